import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './drizzle/schema.ts',
  out: './drizzle/migrations',
  // Drizzle never touches the graphile_worker schema.
  schemaFilter: ['public'],
});
