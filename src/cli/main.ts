import { existsSync } from 'node:fs';
import { main } from './program';

// Credentials stored by the register-the-app flow (or written by hand) live in
// .env; variables already set in the environment win over it.
const envFile = process.env.SBX_ENV_FILE ?? '.env';
if (existsSync(envFile)) process.loadEnvFile(envFile);

await main(process.argv);
