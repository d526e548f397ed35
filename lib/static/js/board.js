// The board (/cards/:type/board): drag a tile onto another column to take
// the transition between them. Without this script every tile offers the
// same moves as small forms ("Move"), which is also how a keyboard moves a
// card. Only the columns a tile's allowed transitions lead to accept it; the
// drop submits that very form (the card page's transition route, with the
// card's version: a stale tile gets the conflict page) or, for a transition
// that needs fields, opens its form. The move is posted in the background and
// the board swapped in place; other people's moves arrive the same way (live.js).
(function () {
  'use strict';
  var board = document.querySelector('[data-testid="board"]');
  if (!board) return;
  var dragged = null;

  function moveTo(tile, stage) {
    var moves = tile.querySelectorAll('[data-to]');
    for (var i = 0; i < moves.length; i++) if (moves[i].getAttribute('data-to') === stage) return moves[i];
    return null;
  }
  function clear() {
    var lit = board.querySelectorAll('.board-drop, .board-over');
    for (var i = 0; i < lit.length; i++) lit[i].classList.remove('board-drop', 'board-over');
    if (dragged) dragged.classList.remove('board-dragging');
    dragged = null;
  }
  function column(target) {
    return target instanceof Element ? target.closest('.board-column') : null;
  }

  board.addEventListener('dragstart', function (event) {
    var tile = event.target instanceof Element ? event.target.closest('.board-tile') : null;
    if (!tile) return;
    dragged = tile;
    tile.classList.add('board-dragging');
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', tile.getAttribute('data-card') || '');
    var moves = tile.querySelectorAll('[data-to]');
    for (var i = 0; i < moves.length; i++) {
      var col = board.querySelector('.board-column[data-stage="' + moves[i].getAttribute('data-to') + '"]');
      if (col) col.classList.add('board-drop');
    }
  });
  board.addEventListener('dragover', function (event) {
    var col = column(event.target);
    if (!dragged || !col || !col.classList.contains('board-drop')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    col.classList.add('board-over');
  });
  board.addEventListener('dragleave', function (event) {
    var col = column(event.target);
    if (col && !col.contains(event.relatedTarget)) col.classList.remove('board-over');
  });
  board.addEventListener('drop', function (event) {
    var col = column(event.target);
    var tile = dragged;
    if (!tile || !col || !col.classList.contains('board-drop')) return;
    event.preventDefault();
    var move = moveTo(tile, col.getAttribute('data-stage'));
    clear();
    if (!move) return;
    if (move.getAttribute('data-move') === 'form') {
      window.location.assign(move.getAttribute('href'));
      return;
    }
    // The tile shows in its new column while the move is posted; the board
    // the move answers with (after its redirect) is swapped in place, its
    // message too (live.js). Anything else (the conflict page, a refusal) is
    // shown as a page: the form is submitted as without this script.
    col.querySelector('.board-tiles').appendChild(tile);
    tile.setAttribute('aria-busy', 'true');
    var live = window.Orbis && window.Orbis.live;
    if (!live || !window.fetch) return move.requestSubmit();
    fetch(move.action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(move)),
      credentials: 'same-origin',
      headers: { accept: 'text/html' },
    })
      .then(function (r) {
        if (!r.ok || !r.redirected || new URL(r.url).pathname !== window.location.pathname) throw new Error(String(r.status));
        return r.text();
      })
      .then(function (html) {
        tile.removeAttribute('aria-busy');
        live.apply(new DOMParser().parseFromString(html, 'text/html'), true);
      })
      .catch(function () {
        move.requestSubmit();
      });
  });
  board.addEventListener('dragend', clear);
})();
