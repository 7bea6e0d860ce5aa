/**
 * The dashboard page's entry: hash routing between the runs list
 * (`#/runs`), a run (`#/run/<id>`) and Compare (`#/compare?ids=a,b`).
 * Each view returns a `destroy` that closes its event streams and charts,
 * called when the route changes.
 *
 * @example
 * <script type="module" src="/assets/app.js"></script>
 */
/* global window, document, location, history, URLSearchParams */
import { compareView } from './compare-view.js';
import { h, replace } from './dom.js';
import { runView } from './run-view.js';
import { runsView } from './runs-view.js';

/** The view for a hash: its name and arguments. */
export function parseRoute(hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'run' && parts[1]) return { view: 'run', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'compare') {
    const ids = (new URLSearchParams(query).get('ids') ?? '').split(',').filter(Boolean);
    return { view: 'compare', ids };
  }
  return { view: 'runs' };
}

const main = document.getElementById('app');
let current = null;

function route() {
  current?.destroy();
  const target = parseRoute(location.hash);
  current = target.view === 'run' ? runView(target.id) : target.view === 'compare' ? compareView(target.ids) : runsView();
  replace(main, current.node);
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.view === target.view);
  document.title = `${target.view === 'runs' ? 'Runs' : target.view === 'run' ? 'Run' : 'Compare'} · classifier-training dashboard`;
}

if (main !== null) {
  window.addEventListener('hashchange', route);
  if (location.hash === '') history.replaceState(null, '', '#/runs');
  route();
} else {
  document.body.append(h('p', {}, 'dashboard: expected an element #app, but got none'));
}
