// The virtual phone's page: plain HTML and script, no build step. It listens to
// /dev/phone/events and shows every phone's messages and calls, newest first.

export const PHONE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>otpgate · virtual phone</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #eef1f6; }
  body { margin: 0 auto; max-width: 760px; padding: 1.5rem; }
  header p { color: #5b6475; margin: .25rem 0 1rem; }
  #status { font-size: .85rem; color: #5b6475; }
  #status.live::before { content: "● "; color: #1a9b4b; }
  .phone { background: #fff; border-radius: 14px; box-shadow: 0 1px 4px #0002; margin: 1rem 0; padding: .75rem 1rem; }
  .phone h2 { font-size: 1.05rem; margin: .25rem 0 .5rem; font-variant-numeric: tabular-nums; }
  .entry { border-top: 1px solid #e4e8ef; padding: .6rem 0; display: grid; gap: .3rem; }
  .meta { font-size: .8rem; color: #5b6475; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
  .kind { font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
  .kind.sms { color: #2456c9; } .kind.flash_call { color: #b3541e; } .kind.voice { color: #7a3fc1; } .kind.robot { color: #1a7f6b; }
  .code { font: 600 1.6rem ui-monospace, monospace; letter-spacing: .15em; background: #f3f6fb; border: 1px dashed #9aa7bd;
          border-radius: 8px; padding: .1rem .6rem; cursor: copy; user-select: all; justify-self: start; }
  .code.copied { border-color: #1a9b4b; }
  mark { background: #ffe27a; border-radius: 3px; padding: 0 .1em; }
  button.callback { justify-self: start; border: 0; border-radius: 8px; background: #1a7f6b; color: #fff; padding: .35rem .8rem; cursor: pointer; }
  .empty { color: #5b6475; text-align: center; padding: 3rem 0; }
</style>
</head>
<body>
<header>
  <h1>Virtual phone</h1>
  <p>What the console providers "delivered": nothing was sent. Click a code to copy it.</p>
  <div id="status">connecting…</div>
</header>
<main id="phones"><p class="empty" id="empty">No messages yet. Start a verification and it shows up here.</p></main>
<script>
const phones = new Map();
const main = document.getElementById('phones');
const statusEl = document.getElementById('status');
const LABEL = { sms: 'SMS', flash_call: 'Flash call', voice: 'Voice call', robot: 'Robot answered' };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) if (c != null) node.append(c);
  return node;
}

function phoneSection(phone) {
  let section = phones.get(phone);
  if (!section) {
    section = el('section', { class: 'phone', 'data-phone': phone }, el('h2', {}, phone), el('div', { class: 'entries' }));
    phones.set(phone, section);
  }
  document.getElementById('empty')?.remove();
  main.prepend(section); // the phone with the latest activity first
  return section;
}

/** +74950001234 with its last four digits (the code) marked. */
function callerNumber(caller) {
  const span = el('span', { 'data-testid': 'caller' }, caller.slice(0, -4));
  span.append(el('mark', {}, caller.slice(-4)));
  return span;
}

function codeButton(code) {
  const b = el('button', { class: 'code', 'data-testid': 'code', title: 'Copy' }, code);
  b.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(code); b.classList.add('copied'); } catch { /* selection still works */ }
  });
  return b;
}

function speak(text, lang) {
  if (!('speechSynthesis' in window)) return;
  const u = new SpeechSynthesisUtterance(text);
  if (lang) u.lang = lang;
  speechSynthesis.speak(u);
}

async function callBack(phone, caller) {
  const res = await fetch('/dev/phone/call-back', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: phone, to: caller }),
  });
  const answer = await res.json();
  speak(answer.text, answer.locale);
}

function show(e) {
  const entries = phoneSection(e.phone).querySelector('.entries');
  const time = new Date(e.at).toLocaleTimeString();
  const meta = el('div', { class: 'meta' }, el('span', { class: 'kind ' + e.kind }, LABEL[e.kind] || e.kind), el('time', { datetime: e.at }, time));
  if (e.sender) meta.append(el('span', {}, 'from ' + e.sender));
  const entry = el('article', { class: 'entry', 'data-kind': e.kind, 'data-seq': String(e.seq) }, meta);
  if (e.kind === 'flash_call' && e.caller) {
    entry.append(el('div', {}, 'Missed call from ', callerNumber(e.caller), ' — the last 4 digits are the code'));
  } else if (e.kind === 'robot' && e.caller) {
    entry.append(el('div', {}, 'You called ', callerNumber(e.caller), ' back. The robot said:'), el('div', { 'data-testid': 'robot-text' }, e.text));
  } else {
    entry.append(el('div', { 'data-testid': 'text' }, e.text));
  }
  if (e.code) entry.append(codeButton(e.code));
  if (e.kind === 'flash_call' && e.caller) {
    const b = el('button', { class: 'callback', 'data-testid': 'call-back' }, 'Call back');
    b.addEventListener('click', () => callBack(e.phone, e.caller));
    entry.append(b);
  }
  entries.prepend(entry); // newest first
}

let lastSeq = 0;
function connect() {
  const source = new EventSource('/dev/phone/events');
  source.onopen = () => { statusEl.textContent = 'live'; statusEl.className = 'live'; };
  source.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.seq <= lastSeq) return; // replayed after a reconnect
    lastSeq = e.seq;
    show(e);
  };
  source.onerror = () => { statusEl.textContent = 'reconnecting…'; statusEl.className = ''; };
}
connect();
</script>
</body>
</html>
`;
