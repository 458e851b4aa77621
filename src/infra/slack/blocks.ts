import type { types } from '@slack/bolt';

/** Block Kit building blocks for every Slack message the bot sends. */
export type Block = types.KnownBlock;
export type Button = types.Button;

/** What the bot shows in Slack: a fallback text (notifications, screen readers) and blocks. */
export interface SlackView {
  text: string;
  blocks?: Block[];
}

const sectionLimit = 3000;

/** Escapes the three characters Slack's mrkdwn treats as markup. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Like escapeText, but keeps user and user-group mentions (`<@U…>`, `<!subteam^S…>`) working. */
export function escapeKeepingMentions(text: string): string {
  return escapeText(text).replace(/&lt;(@[UW][A-Z0-9]+|!subteam\^S[A-Z0-9]+)&gt;/g, '<$1>');
}

export function link(url: string, label: string): string {
  return `<${url}|${escapeText(label)}>`;
}

/** Keeps the end of a long text (the end of a log is what matters). */
export function keepTail(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A preformatted block of (escaped) text, cut to its last `max` characters. */
export function codeBlock(text: string, max = 2_500): string {
  const body = keepTail(text.replace(/```/g, "'''").trimEnd(), max);
  return `\`\`\`${escapeText(body) || ' '}\`\`\``;
}

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, sectionLimit) } };
}

export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts.filter(Boolean).map((text) => ({ type: 'mrkdwn', text: clip(text, sectionLimit) })),
  };
}

export function actions(buttons: Button[]): Block[] {
  return buttons.length ? [{ type: 'actions', elements: buttons }] : [];
}

export function button(options: {
  text: string;
  actionId: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny?: string };
}): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(options.text, 75) },
    action_id: options.actionId,
    ...(options.value === undefined ? {} : { value: options.value }),
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.style === undefined ? {} : { style: options.style }),
    ...(options.confirm === undefined
      ? {}
      : {
          confirm: {
            title: { type: 'plain_text', text: options.confirm.title },
            text: { type: 'mrkdwn', text: options.confirm.text },
            confirm: { type: 'plain_text', text: options.confirm.confirm },
            deny: { type: 'plain_text', text: options.confirm.deny ?? 'Cancel' },
            style: 'danger',
          },
        }),
  };
}
