import { z } from 'zod';

/** What the bot reads of a slash command payload; parsed on arrival. */
export const slashCommandPayload = z.object({
  command: z.string().min(1),
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  response_url: z.string().optional(),
});

/** What the bot reads of a block_actions payload (a button click). */
export const blockActionPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  response_url: z.string().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

export type SlashCommandPayload = z.infer<typeof slashCommandPayload>;
export type BlockActionPayload = z.infer<typeof blockActionPayload>;
