import { createSlackSurface } from '../bot/slack-surface';
import { createGitHubSurface } from '../github/github-surface';
import { createStatusPages } from '../web/status-pages';
import type { SurfaceFactory } from './surface';

export type { Surface, SurfaceContext, SurfaceFactory } from './surface';

/** Every inbound surface of the bot, in the order their routes are registered. */
export const surfaceFactories: SurfaceFactory[] = [createStatusPages(), createSlackSurface, createGitHubSurface];
