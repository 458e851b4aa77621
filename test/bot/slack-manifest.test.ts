import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { slackEventsPath } from '../../src/bot/create-slack-app';
import { parseSlashCommand } from '../../src/bot/handle-command';
import { commandSpecs } from '../../src/core/commands';

interface Manifest {
  features: { slash_commands: { command: string; url: string; usage_hint: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
}

const manifest = parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'slack-app-manifest.yml'), 'utf8'),
) as Manifest;

describe('slack-app-manifest.yml', () => {
  it('declares the three commands, interactivity and the scopes the bot uses, all at /slack/events', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/redeploy', '/activate', '/sandbox']);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'chat:write.public', 'usergroups:read']),
    );
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    for (const url of [
      ...manifest.features.slash_commands.map((c) => c.url),
      manifest.settings.interactivity.request_url,
    ]) {
      expect(new URL(url).pathname).toBe(slackEventsPath);
    }
  });

  it('every command it declares reaches the parser, and its usage hint parses', () => {
    const examples: Record<string, string> = {
      '/redeploy': 'demo --no-activate --attempts 2',
      '/activate': 'demo 2',
      '/sandbox': 'list mine',
    };
    for (const { command } of manifest.features.slash_commands) {
      expect(parseSlashCommand(command, examples[command]!)).toMatchObject({ kind: 'run' });
    }
  });

  it('/sandbox help shows every command the manifest registers as it is typed, with its usage hint', () => {
    const help = parseSlashCommand('/sandbox', 'help');
    const text = help.kind === 'reply' ? help.text : '';
    for (const { command, usage_hint } of manifest.features.slash_commands.filter((c) => c.command !== '/sandbox')) {
      expect(text).toContain(`\`${command} ${usage_hint}\``);
    }
    expect(text).not.toContain('/sandbox redeploy');
    expect(text).not.toContain('/sandbox activate');
  });

  it('a command with a slash command of its own is one the manifest declares', () => {
    const declared = manifest.features.slash_commands.map((c) => c.command);
    for (const spec of Object.values(commandSpecs)) {
      if ('slashCommand' in spec) expect(declared).toContain(spec.slashCommand);
    }
  });
});
