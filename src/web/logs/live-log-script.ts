/**
 * The only JavaScript of the status pages: appends live log lines to the
 * server-rendered log (which works without it). Text is added as text nodes,
 * never as HTML. EventSource reconnects by itself and sends the last event id,
 * so the server resumes right after the last chunk shown.
 */
export const liveLogScript = `(() => {
  const pre = document.getElementById('log-text');
  const status = document.getElementById('log-status');
  const badge = document.getElementById('log-state');
  if (!pre || !pre.dataset.stream || !window.EventSource) return;
  const maxChars = 2000000;
  const say = (text) => { if (status) status.textContent = text; };
  const atBottom = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  const source = new EventSource(pre.dataset.stream);
  source.addEventListener('log', (event) => {
    const follow = atBottom();
    pre.appendChild(document.createTextNode(event.data));
    if (pre.textContent.length > maxChars) {
      pre.textContent = pre.textContent.slice(-maxChars / 2);
      say('Live (older lines trimmed here; the whole log is in the text file).');
    }
    if (follow) pre.scrollTop = pre.scrollHeight;
  });
  source.addEventListener('state', (event) => {
    if (badge) { badge.textContent = ''; const b = document.createElement('span'); b.className = 'badge ' + ({ running: 'ok', failed: 'bad', error: 'bad' }[event.data] || 'warn'); b.textContent = event.data; badge.appendChild(b); }
  });
  source.addEventListener('end', () => { source.close(); say('The deploy has finished; reload the page for the final state.'); });
  source.addEventListener('open', () => say('Live: new lines appear as the deploy writes them.'));
  source.addEventListener('error', () => { if (source.readyState !== EventSource.CLOSED) say('Connection lost; reconnecting…'); });
})();
`;
