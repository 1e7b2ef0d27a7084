// efiemu report: select a scenario by clicking its matrix cell or by the URL fragment #scenario=<id>.
// Shows its evidence panel and its markers on the platform pictures (copied into the panel). No network, no eval.
// The page works without it: every matrix cell links to its scenario's static page under scenarios/.
(function () {
  'use strict';
  var detail = document.getElementById('detail');

  function showOverlays(root, domId) {
    root.querySelectorAll('g.ov').forEach(function (g) { g.classList.toggle('on', g.getAttribute('data-s') === domId); });
  }

  function select(domId, updateUrl) {
    var article = document.getElementById(domId);
    if (!article || !article.classList.contains('scenario')) { return false; }
    document.querySelectorAll('article.scenario').forEach(function (a) { a.hidden = a !== article; });
    document.querySelectorAll('a.cell').forEach(function (b) { b.classList.toggle('sel', b.getAttribute('data-target') === domId); });
    document.querySelectorAll('article.platform .showing').forEach(function (p) { p.textContent = ''; });
    showOverlays(document, domId);
    var platform = document.getElementById(article.getAttribute('data-platform'));
    var maps = article.querySelector('.smaps');
    if (platform && maps && !maps.hasChildNodes()) {
      platform.querySelectorAll('figure').forEach(function (f) { maps.appendChild(f.cloneNode(true)); });
    }
    if (maps) { showOverlays(maps, domId); }
    if (platform) { platform.querySelector('.showing').textContent = 'Markers: ' + article.getAttribute('data-id'); }
    detail.classList.add('has-sel');
    document.documentElement.setAttribute('data-selected', article.getAttribute('data-id'));
    if (updateUrl) { history.replaceState(null, '', '#scenario=' + encodeURIComponent(article.getAttribute('data-id'))); }
    return true;
  }

  function clear() {
    document.querySelectorAll('article.scenario').forEach(function (a) { a.hidden = true; });
    document.querySelectorAll('a.cell').forEach(function (b) { b.classList.remove('sel'); });
    showOverlays(document, null);
    detail.classList.remove('has-sel');
    document.documentElement.removeAttribute('data-selected');
    history.replaceState(null, '', location.pathname + location.search);
  }

  function fromFragment() {
    var m = /^#scenario=(.*)$/.exec(location.hash);
    if (!m) { return; }
    var id;
    try { id = decodeURIComponent(m[1]); } catch (e) { return; }
    var match = Array.prototype.find.call(document.querySelectorAll('article.scenario'),
      function (a) { return a.getAttribute('data-id') === id; });
    if (match) { select(match.id, false); }
  }

  // with the script, a cell shows its evidence in place; without it, the cell's link opens the scenario's own page
  document.querySelectorAll('a.cell').forEach(function (b) {
    b.addEventListener('click', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) { return; }
      ev.preventDefault();
      select(b.getAttribute('data-target'), true);
      detail.scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
  });
  document.querySelectorAll('article.scenario .close').forEach(function (b) { b.addEventListener('click', clear); });
  window.addEventListener('hashchange', fromFragment);
  fromFragment();
}());
