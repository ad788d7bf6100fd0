// The digest demo: hashes a dropped file with sigwall's wasm, or streams it through blobGuard
// when an expected digest is given.
import { createVerifier, digest, SigwallError } from 'sigwall';

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
