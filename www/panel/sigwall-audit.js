// <sigwall-audit>: which images a policy change would refuse, in a page. Give it a candidate
// policy (typed, pasted or dropped as a file), optionally the baseline in force, and the images
// (one reference per line, or listed from a registry's catalog: a registry, a repository
// pattern, a bound on tags); it runs `verifier.audit()` (each image fetched once, from registries
// that answer with CORS headers, or through `proxy`) and shows a summary bar, what only the data
// shows about the candidate (scopes no image fell under, keys that verified nothing, images
// allowed unsigned), and a table that sorts and filters; each row opens into the
// per-requirement explanation the verify panel gives.
//
// Attributes: `lookaside` (the lookaside base URL for simple signatures, as registries.d's
// default-docker would say), `proxy` (a base URL every registry request goes to instead of the
// registry's host: a CORS front of a registry that sends no CORS headers itself), `concurrency`
// (default 4). Properties: `result` (the last audit), `candidate`, `baseline`, `images`,
// `registry`, `repository` (the fields' text). Methods: `audit()`, `list()` (fills the images from the registry fields).
// Events: `sigwall-audit` (detail: result), `sigwall-error`. Styling as <sigwall-verify>: CSS
// custom properties and parts (form, summary, findings, table, row, details).
import { createVerifier } from 'sigwall';

const STYLE = `
:host { display: block; font-family: var(--sigwall-font, system-ui, sans-serif); color: var(--sigwall-fg, CanvasText); }
.panel { border: 1px solid var(--sigwall-muted, #8888); border-radius: var(--sigwall-radius, 8px); padding: 1em; background: var(--sigwall-bg, Canvas); min-width: 0; }
form { display: grid; grid-template-columns: repeat(auto-fit, minmax(16em, 1fr)); gap: .8em; }
label { display: grid; gap: .3em; font-weight: 600; font-size: .95em; }
textarea { font: .85em ui-monospace, monospace; min-height: 8em; resize: vertical; padding: .4em; border-radius: 6px; border: 1px solid var(--sigwall-muted, #8888); background: transparent; color: inherit; }
textarea.drop { outline: 2px dashed Highlight; }
.actions { grid-column: 1 / -1; display: flex; gap: .8em; align-items: center; flex-wrap: wrap; }
button, select, input { font: inherit; padding: .3em .7em; border-radius: 6px; border: 1px solid var(--sigwall-muted, #8888); background: transparent; color: inherit; }
button { cursor: pointer; }
button:focus-visible, select:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 2px solid Highlight; outline-offset: 2px; }
.bar { display: flex; flex-wrap: wrap; gap: .5em; margin: 1em 0 .5em; }
.bar span { padding: .2em .6em; border-radius: 999px; border: 1px solid var(--sigwall-muted, #8888); font-size: .9em; }
.bar [data-kind="newly-refused"], .bar [data-kind="refused"], .bar [data-kind="error"] { color: var(--sigwall-denied, #b42318); font-weight: 700; }
.bar [data-kind="newly-allowed"], .bar [data-kind="allowed"] { color: var(--sigwall-allowed, #17803d); }
.listing { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: .6em; align-items: end; border: 1px solid var(--sigwall-muted, #8884); border-radius: 6px; padding: .4em .8em .7em; margin: 0; }
.listing legend { font-weight: 600; font-size: .95em; padding: 0 .3em; }
.listing label { font-weight: 400; }
.listing input[name="maxTags"] { width: 5em; }
.findings { margin: .3em 0 .6em; padding-left: 1.2em; }
.findings li { overflow-wrap: anywhere; }
.filters { display: flex; flex-wrap: wrap; gap: .6em; margin: .5em 0; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: .9em; }
th, td { text-align: left; padding: .35em .4em; border-bottom: 1px solid var(--sigwall-muted, #8884); vertical-align: top; overflow-wrap: anywhere; }
th button { border: none; padding: 0; font-weight: 700; }
th[data-key="image"] { width: 38%; }
th[data-key="digest"] { width: 17%; }
td.change[data-change="newly-refused"], td.change[data-change="refused"], td.change[data-change="error"] { color: var(--sigwall-denied, #b42318); font-weight: 700; }
td.change[data-change="newly-allowed"], td.change[data-change="allowed"] { color: var(--sigwall-allowed, #17803d); }
details { margin: .2em 0; }
details ul { margin: .3em 0; padding-left: 1.2em; }
.mono { font-family: ui-monospace, monospace; font-size: .9em; }
.message { white-space: pre-wrap; overflow-wrap: anywhere; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  .bar [data-kind="newly-refused"], .bar [data-kind="refused"], .bar [data-kind="error"], td.change[data-change="newly-refused"], td.change[data-change="refused"], td.change[data-change="error"] { color: var(--sigwall-denied, #f87171); }
  .bar [data-kind="newly-allowed"], .bar [data-kind="allowed"], td.change[data-change="newly-allowed"], td.change[data-change="allowed"] { color: var(--sigwall-allowed, #4ade80); }
}
`;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'part' || k === 'class' || k === 'role' || k === 'for' || k.startsWith('aria-') || k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** Changes by how much they need a look: the ones to act on first. */
const SEVERITY = ['error', 'newly-refused', 'refused', 'newly-allowed', 'unchanged', 'allowed'];

const COLUMNS = [
  ['image', 'Image', (r) => r.image],
  ['digest', 'Digest', (r) => r.digest ?? ''],
  ['baseline', 'Baseline', (r) => word(r.baseline)],
  ['candidate', 'Candidate', (r) => word(r.candidate)],
  ['change', 'Change', (r) => String(SEVERITY.indexOf(r.change))],
];

function word(v) {
  if (v === undefined) return '';
  if (v === null) return '—';
  return v.allowed ? 'allowed' : 'refused';
}

/** The per-requirement explanation of a verdict, as the verify panel gives it. */
function explain(label, v) {
  if (!v) return null;
  return el('div', {},
    el('strong', { textContent: `${label}: ${v.allowed ? 'allowed' : 'refused'} (scope ${v.scope === '' ? '""' : v.scope})` }),
    el('ul', {}, v.requirements.map((q) => el('li', {},
      `${q.type}: ${q.allowed ? 'satisfied' : 'not satisfied'}`,
      q.signatures.length ? el('ul', {}, q.signatures.map((s) => el('li', {},
        `${s.format} signature (${s.source}): ${s.outcome}${s.key ? `, key ${s.key}` : ''}${s.identity ? `, identity ${s.identity}` : ''}${s.code ? ` [${s.code}]` : ''}`,
        s.message ? el('div', { class: 'message mono', textContent: s.message }) : null))) : null))),
    v.reasons.length ? el('div', { class: 'message mono', textContent: v.reasons.map((r) => r.message).join('\n') }) : null);
}

class SigwallAudit extends HTMLElement {
  #root;
  #fields = {};
  #output;
  #live;
  #result = null;
  #sort = { key: 'change', dir: 1 };
  #filter = { text: '', change: '' };

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    const style = el('style', { textContent: STYLE });
    const area = (name, label, placeholder) => {
      const t = el('textarea', { name, placeholder, spellcheck: false, 'aria-label': label });
      // A policy file dropped on its field fills it.
      t.addEventListener('dragover', (e) => { e.preventDefault(); t.classList.add('drop'); });
      t.addEventListener('dragleave', () => t.classList.remove('drop'));
      t.addEventListener('drop', async (e) => {
        e.preventDefault();
        t.classList.remove('drop');
        const file = e.dataTransfer?.files?.[0];
        if (file) t.value = await file.text();
      });
      this.#fields[name] = t;
      return el('label', {}, label, t);
    };
    const run = el('button', { type: 'submit', textContent: 'Audit' });
    const input = (name, label, props) => {
      const i = el('input', { name, spellcheck: false, autocomplete: 'off', ...props });
      this.#fields[name] = i;
      return el('label', {}, label, i);
    };
    const list = el('button', { type: 'button', textContent: 'List images' });
    list.addEventListener('click', () => this.list());
    const form = el('form', { part: 'form' },
      area('candidate', 'Candidate policy (policy.json)', '{ "default": [{ "type": "reject" }], … }'),
      area('baseline', 'Baseline policy (optional: the one in force)', 'leave empty to require every image to be allowed'),
      area('images', 'Images, one per line', 'registry.example/app:1.2'),
      el('fieldset', { class: 'listing' }, el('legend', { textContent: 'Or list them from a registry (catalog and tag lists)' }),
        input('registry', 'Registry', { type: 'text', placeholder: 'registry.example:5000' }),
        input('repository', 'Repositories', { type: 'text', placeholder: 'team/*', value: '*' }),
        input('maxTags', 'Tags each', { type: 'number', min: 1, value: 50 }),
        list),
      el('div', { class: 'actions' }, run));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.audit();
    });
    this.#live = el('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
    this.#output = el('div', {});
    this.#root.append(style, el('div', { class: 'panel' }, form, this.#live, this.#output));
  }

  get result() { return this.#result; }

  get candidate() { return this.#fields.candidate.value; }

  set candidate(v) { this.#fields.candidate.value = v; }

  get baseline() { return this.#fields.baseline.value; }

  set baseline(v) { this.#fields.baseline.value = v; }

  get images() { return this.#fields.images.value; }

  set images(v) { this.#fields.images.value = Array.isArray(v) ? v.join('\n') : v; }

  get registry() { return this.#fields.registry.value; }

  set registry(v) { this.#fields.registry.value = v; }

  get repository() { return this.#fields.repository.value; }

  set repository(v) { this.#fields.repository.value = v; }

  /** What every verifier of this component is made with: its `lookaside` and `proxy`. */
  #options() {
    const lookaside = this.getAttribute('lookaside');
    const proxy = this.getAttribute('proxy');
    return { insecureHttp: true, ...(lookaside ? { defaultLookaside: lookaside } : {}), ...(proxy ? { proxy } : {}) };
  }

  /**
   * Lists the images of the registry fields (catalog, repository pattern, tags each) into the
   * images field, replacing what was there; resolves to the list (null on failure, said in the
   * panel and as a `sigwall-error` event).
   */
  async list() {
    const registry = this.#fields.registry.value.trim();
    this.#live.textContent = `Listing the images of ${registry}…`;
    this.setAttribute('aria-busy', 'true');
    try {
      if (!registry) throw new Error('give the registry to list, as host or host:port');
      // Listing reads only the catalog and tag lists; no policy is consulted, so any will do.
      const lister = await createVerifier({ ...this.#options(), policy: '{"default":[{"type":"reject"}]}' });
      const images = await lister.listImages(registry, { repository: this.#fields.repository.value.trim() || '*', maxTags: Number(this.#fields.maxTags.value) || 50 });
      this.images = images;
      this.#live.textContent = `${images.length} images listed from ${registry}.`;
      if (images.length === 0) this.#output.replaceChildren(el('p', { class: 'message', role: 'alert', textContent: `No repository of ${registry} matches ${this.#fields.repository.value.trim() || '*'}.` }));
      return images;
    } catch (error) {
      this.#fail('Could not list', error);
      return null;
    } finally {
      this.removeAttribute('aria-busy');
    }
  }

  #fail(what, error) {
    this.#output.replaceChildren(el('p', { class: 'message', role: 'alert', textContent: `${what}: ${error?.code ? `${error.code}: ` : ''}${error?.message ?? error}` }));
    this.#live.textContent = '';
    this.dispatchEvent(new CustomEvent('sigwall-error', { bubbles: true, composed: true, detail: { error } }));
  }

  /** Runs the audit with the fields' contents; resolves to the result (also in `result`). */
  async audit() {
    const images = this.images.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const options = this.#options();
    this.#live.textContent = `Auditing ${images.length} images…`;
    this.setAttribute('aria-busy', 'true');
    try {
      if (images.length === 0) throw new Error('give at least one image');
      const candidate = await createVerifier({ ...options, policy: this.candidate });
      const baseline = this.baseline.trim() ? await createVerifier({ ...options, policy: this.baseline }) : undefined;
      const progress = el('p', { class: 'mono', textContent: `0/${images.length}` });
      this.#output.replaceChildren(progress);
      this.#result = await candidate.audit(images, {
        baseline,
        concurrency: Number(this.getAttribute('concurrency') ?? 4),
        onProgress: ({ done, total }) => { progress.textContent = `${done}/${total}`; },
      });
      this.#render();
      const s = this.#result.summary;
      this.#live.textContent = `Audit done: ${s.total} images, ${baseline ? `${s.newlyRefused} newly refused, ${s.newlyAllowed} newly allowed` : `${s.refused} refused`}.`;
      this.dispatchEvent(new CustomEvent('sigwall-audit', { bubbles: true, composed: true, detail: this.#result }));
      return this.#result;
    } catch (error) {
      this.#fail('Could not audit', error);
      return null;
    } finally {
      this.removeAttribute('aria-busy');
    }
  }

  #render() {
    const { images, summary, findings } = this.#result;
    const withBaseline = summary.newlyRefused !== undefined;
    const counts = withBaseline
      ? [['allowed', summary.allowed, 'allowed'], ['newly-refused', summary.newlyRefused, 'newly refused'], ['newly-allowed', summary.newlyAllowed, 'newly allowed'], ['unchanged', summary.unchanged, 'unchanged']]
      : [['allowed', summary.allowed, 'allowed'], ['refused', summary.refused, 'refused']];
    if (summary.errors) counts.push(['error', summary.errors, 'could not be evaluated']);
    const bar = el('div', { class: 'bar', part: 'summary', role: 'group', 'aria-label': 'Summary' },
      counts.map(([kind, n, label]) => el('span', { 'data-kind': kind, textContent: `${n} ${label}` })));
    const notes = [
      ...findings.unmatchedScopes.map((scope) => `Scope ${scope} matched none of these images: stale, or a typo?`),
      ...findings.unusedKeys.map((k) => `The ${k.type} requirement of scope ${k.scope} accepted no signature of the ${k.images} image${k.images === 1 ? '' : 's'} under it.`),
      ...findings.withoutSignature.map((image) => `${image} is allowed without any signature (insecureAcceptAnything).`),
    ];
    const found = notes.length
      ? el('ul', { class: 'findings', part: 'findings', 'aria-label': 'What these images show about the candidate policy' }, notes.map((n) => el('li', { textContent: n })))
      : null;
    const text = el('input', { type: 'search', placeholder: 'Filter images', 'aria-label': 'Filter images by reference', value: this.#filter.text });
    const change = el('select', { 'aria-label': 'Show changes' },
      el('option', { value: '', textContent: 'every change' }),
      [...new Set(images.map((r) => r.change))].sort().map((c) => el('option', { value: c, textContent: c, selected: c === this.#filter.change })));
    text.addEventListener('input', () => { this.#filter.text = text.value; this.#fillBody(tbody, withBaseline); });
    change.addEventListener('change', () => { this.#filter.change = change.value; this.#fillBody(tbody, withBaseline); });
    const columns = COLUMNS.filter(([key]) => withBaseline || key !== 'baseline');
    const head = el('tr', {}, columns.map(([key, label]) => {
      const sorted = this.#sort.key === key;
      const th = el('th', { scope: 'col', 'aria-sort': sorted ? (this.#sort.dir > 0 ? 'ascending' : 'descending') : 'none' });
      const button = el('button', { type: 'button', textContent: `${label}${sorted ? (this.#sort.dir > 0 ? ' ▲' : ' ▼') : ''}` });
      button.addEventListener('click', () => {
        this.#sort = { key, dir: sorted ? -this.#sort.dir : 1 };
        this.#render();
        this.#root.querySelector(`th[data-key="${key}"] button`)?.focus();
      });
      th.dataset.key = key;
      th.append(button);
      return th;
    }));
    const tbody = el('tbody', {});
    this.#fillBody(tbody, withBaseline);
    this.#output.replaceChildren(bar, ...(found ? [found] : []), el('div', { class: 'filters' }, text, change),
      el('table', { part: 'table' }, el('caption', { class: 'sr-only', textContent: 'Audited images; sort by a column heading, open a row for its explanation' }), el('thead', {}, head), tbody));
  }

  #fillBody(tbody, withBaseline) {
    const column = COLUMNS.find(([key]) => key === this.#sort.key);
    const rows = this.#result.images
      .filter((r) => r.image.toLowerCase().includes(this.#filter.text.toLowerCase()) && (!this.#filter.change || r.change === this.#filter.change))
      .sort((a, b) => column[2](a).localeCompare(column[2](b)) * this.#sort.dir || a.image.localeCompare(b.image));
    tbody.replaceChildren(...rows.map((r) => {
      const details = el('details', { part: 'details' }, el('summary', { textContent: r.image }),
        r.error ? el('p', { class: 'message mono', textContent: `${r.error.code}: ${r.error.message}` }) : null,
        explain('Candidate', r.candidate), withBaseline ? explain('Baseline', r.baseline) : null);
      return el('tr', { part: 'row', 'data-change': r.change },
        el('td', {}, details),
        el('td', { class: 'mono', textContent: r.digest ? r.digest.slice(0, 19) : '—', title: r.digest ?? '' }),
        withBaseline ? el('td', { textContent: word(r.baseline) }) : null,
        el('td', { textContent: word(r.candidate) }),
        el('td', { class: 'change', 'data-change': r.change, textContent: r.change }));
    }));
    this.#live.textContent = `${rows.length} of ${this.#result.images.length} images shown`;
  }
}

if (!customElements.get('sigwall-audit')) customElements.define('sigwall-audit', SigwallAudit);
