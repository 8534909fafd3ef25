// `list(dir)`: the async iterator over the pages of a native `StorageListing`.
'use strict';

/**
 * @typedef {object} Pager what the binding's `StorageListing` offers
 * @property {() => Promise<unknown[] | null>} nextPage up to 1,000 entries, `null` at the end
 * @property {() => void} close ends the listing early
 */

/**
 * The entries of `pager`, page by page; leaving the loop early (`break`, a throw) closes it.
 * @param {Pager} pager
 * @returns {AsyncGenerator<unknown, void, undefined>}
 */
async function* listEntries(pager) {
  try {
    for (;;) {
      const page = await pager.nextPage();
      if (page === null) return;
      yield* page;
    }
  } finally {
    pager.close();
  }
}

module.exports = { listEntries };
