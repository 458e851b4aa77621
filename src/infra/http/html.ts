/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Markup that is already safe (produced by `html`). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template that escapes every interpolation unless it is SafeHtml (or an array of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

const styles = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#59636e;--bg:#fff;--alt:#f6f8fa;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--link:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--alt:#151b23;--line:#3d444d;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--link:#4493f8}}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:76rem;padding:0 1rem 2rem}
a{color:var(--link)}header{display:flex;gap:.5rem 1rem;align-items:center;flex-wrap:wrap;border-bottom:1px solid var(--line);margin-bottom:1rem;padding:.5rem 0}
header .who{margin-left:auto;display:flex;gap:.5rem;align-items:center}h1{font-size:1.3rem;margin:0}h1 a{color:inherit;text-decoration:none}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600}
.muted{color:var(--muted)}.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}
.table-wrap{overflow-x:auto}code,pre{font:13px/1.4 ui-monospace,monospace}pre{white-space:pre-wrap;word-break:break-all}
:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:var(--bg);padding:.25rem .5rem;z-index:1}
button,.button,input,select{font:inherit;color:inherit;border:1px solid var(--line);border-radius:6px;padding:.3rem .7rem;background:var(--alt)}
button,.button{cursor:pointer;text-decoration:none;display:inline-block}button.danger{color:var(--bad)}
form.inline{display:inline}.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
.filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}.filters label{display:flex;flex-direction:column;font-size:.85rem}
.badge{display:inline-block;border:1px solid currentColor;border-radius:1rem;padding:0 .5rem;font-size:.85rem;white-space:nowrap}
.notice,.error{border:1px solid var(--line);border-left:4px solid var(--ok);padding:.5rem .75rem;margin:.5rem 0}.error{border-left-color:var(--bad)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
pre.log{background:var(--alt);border:1px solid var(--line);padding:.5rem;max-height:70vh;overflow:auto}
.maintenance{border:1px solid var(--line);border-left:4px solid var(--warn);padding:.5rem .75rem;margin:.5rem 0}
.stats{display:flex;gap:1rem;flex-wrap:wrap}.stats div{border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem}.stats strong{font-size:1.2rem;display:block}
@media (max-width:40rem){body{font-size:14px}th,td{padding:.3rem}}
`;

/** Who is looking (for the sign-in / sign-out corner) and where (for "return here after sign-in"). */
export interface PageChrome {
  login?: string | null;
  csrf?: string | null;
  path?: string;
  /** `local`: GitHub sign-in is not configured; the corner points at the local operator link instead of a button. */
  signIn?: 'github' | 'local';
  /** Maintenance mode is on: every page shows a banner with its message. */
  maintenance?: { message: string | null } | null;
}

/** The page frame shared by every server-rendered page (no external assets). */
export function page(title: string, body: SafeHtml, chrome: PageChrome = {}): string {
  const who = chrome.login
    ? html`<span>Signed in as <strong>${chrome.login}</strong></span><form class="inline" method="post" action="/auth/sign-out"><input type="hidden" name="_csrf" value="${chrome.csrf ?? ''}"><button type="submit">Sign out</button></form>`
    : chrome.path === undefined
      ? html``
      : chrome.signIn === 'local'
        ? html`<span class="muted" title="GitHub sign-in is not configured on this bot">Sign in with the local link the bot printed at start (<code>sbx auth local</code>)</span>`
        : html`<a class="button" href="/auth/sign-in?return_to=${encodeURIComponent(chrome.path)}">Sign in with GitHub</a>`;
  return `<!doctype html>${
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Sandbox Bot</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${new SafeHtml(styles)}</style></head><body>
<a class="skip" href="#main">Skip to content</a>
<header><h1><a href="/">Sandbox Bot</a></h1><span class="muted">${title}</span><div class="who">${who}</div></header>
${chrome.maintenance ? maintenanceBanner(chrome.maintenance.message) : ''}<main id="main" tabindex="-1">${body}</main></body></html>`
      .value
  }`;
}

function maintenanceBanner(message: string | null): SafeHtml {
  return html`<div class="maintenance" role="status"><strong>In maintenance</strong>${message ? html`: ${message}` : ''}. Deploys and other work asked for now are queued and run when maintenance ends; pages and logs stay available.</div>`;
}

/** The bot's icon (a box), served at /favicon.svg and /favicon.ico. */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="3" y="7" width="26" height="20" rx="3" fill="#0969da"/><rect x="3" y="7" width="26" height="6" rx="2" fill="#54aeff"/><path d="M11 18h10M11 22h6" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>`;
