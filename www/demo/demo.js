// The demo page: a verify box and a gallery of demo images (each a <sigwall-verify> panel
// asking the gate that `npm start` runs), and the digest checker: hashes a dropped file with
// sigwall's wasm, or streams it through blobGuard when an expected digest is given.
import { createVerifier, digest, SigwallError } from 'sigwall';

const config = await fetch('/site/demo-config.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);
if (config) {
  document.getElementById('registry-name').textContent = config.registry;
  const custom = document.getElementById('custom');
  custom.setAttribute('gate', config.gate);
  const input = document.getElementById('image');
  input.value = `${config.registry}/demo/pgp-signed:v1`;
  document.getElementById('verify-form').addEventListener('submit', (e) => {
    e.preventDefault();
    custom.setAttribute('image', input.value.trim());
  });
  const gallery = document.getElementById('gallery');
  for (const c of config.cases) {
    const card = document.createElement('article');
    card.className = `case expect-${c.expect}`;
    card.dataset.image = c.image;
    const title = document.createElement('h3');
    title.textContent = `${c.title}: ${c.expect === 'allowed' ? 'should be allowed' : 'should be denied'}`;
    const why = document.createElement('p');
    why.textContent = c.why;
    const panel = document.createElement('sigwall-verify');
    panel.setAttribute('gate', config.gate);
    panel.setAttribute('image', c.image);
    card.append(title, why, panel);
    gallery.append(card);
  }
} else {
  document.getElementById('gallery').textContent = 'No demo registry is running (start one with npm start).';
}

const verifier = await createVerifier();
const $ = (id) => document.getElementById(id);
const result = $('result');

function show(state, text) {
  result.dataset.state = state;
  result.textContent = text;
}

async function check(file) {
  const expected = $('expected').value.trim();
  show('busy', `Hashing ${file.name} (${file.size} bytes)…`);
  try {
    if (!expected) {
      show('done', `${file.name}\n${digest(new Uint8Array(await file.arrayBuffer()))}`);
      return;
    }
    const guard = verifier.blobGuard(expected, { size: file.size });
    let seen = 0;
    await file.stream().pipeThrough(guard).pipeTo(new WritableStream({ write(c) { seen += c.length; } }));
    show('ok', `✔ ${file.name} matches\n${expected}\n(${seen} bytes verified)`);
  } catch (e) {
    const what = e instanceof SigwallError ? `${e.code}: ${e.message}` : String(e);
    show('bad', `✘ ${file.name}\n${what}`);
  }
}

const drop = $('drop');
$('file').addEventListener('change', (e) => e.target.files[0] && check(e.target.files[0]));
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files[0]) check(e.dataTransfer.files[0]);
});
document.body.dataset.ready = 'true';
