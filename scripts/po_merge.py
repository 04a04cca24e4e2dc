"""Merge a .pot into .po files (msgmerge without gettext): keep translations
of terms that still exist, add new terms untranslated, drop stale ones, and
take the references and comments from the .pot.

Usage: po_merge.py TEMPLATE.pot FILE.po [FILE.po ...]
"""

import sys

import polib


def merge(pot_path, po_path):
    pot = polib.pofile(pot_path)
    old = polib.pofile(po_path)
    translated = {(e.msgctxt, e.msgid): e for e in old if not e.obsolete}
    new = polib.POFile(wrapwidth=78)
    new.metadata = old.metadata or pot.metadata
    new.header = old.header or pot.header
    untranslated = 0
    for entry in pot:
        previous = translated.get((entry.msgctxt, entry.msgid))
        if previous and previous.msgstr:
            entry.msgstr = previous.msgstr
        else:
            untranslated += 1
        new.append(entry)
    new.save(po_path)
    print("%s: %d terms, %d untranslated" % (po_path, len(new), untranslated))
    return untranslated


if __name__ == "__main__":
    pot = sys.argv[1]
    for po in sys.argv[2:]:
        merge(pot, po)
