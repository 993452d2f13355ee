#!/usr/bin/env python3
"""Independent .apkg reader for the function's tests: Python's own zipfile and sqlite3, none of the
JavaScript that wrote the package. Prints JSON: collection version and tag list, decks, note types
(as stored: fields, templates, css, type), notes (fields, tags, mod), cards (ord, mod, due), the media
map, and each media file's size and first bytes. Usage: read_apkg.py DECK.apkg OUT_DIR
(media files are extracted into OUT_DIR under their real names, for sox to inspect)."""
import json, os, sqlite3, sys, tempfile, zipfile

path, out_dir = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(path) as z:
    names = z.namelist()
    media_map = json.loads(z.read("media"))
    with tempfile.TemporaryDirectory() as tmp:
        z.extract("collection.anki2", tmp)
        db = sqlite3.connect(os.path.join(tmp, "collection.anki2"))
        ver, decks, models, col_tags = db.execute("select ver, decks, models, tags from col").fetchone()
        # Anki keeps a note's tags space-separated with a space at each end: " a b ".
        notes = [dict(id=r[0], guid=r[1], mid=r[2], flds=r[3].split("\x1f"), sfld=r[4], csum=r[5], tags=r[6].split(),
                      raw_tags=r[6], mod=r[7])
                 for r in db.execute("select id, guid, mid, flds, sfld, csum, tags, mod from notes order by id")]
        cards = [dict(id=r[0], nid=r[1], did=r[2], ord=r[3], mod=r[4], due=r[5])
                 for r in db.execute("select id, nid, did, ord, mod, due from cards order by id")]
        integrity = db.execute("pragma integrity_check").fetchone()[0]
        db.close()
    media = {}
    for number, name in media_map.items():
        data = z.read(number)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        media[name] = dict(size=len(data), head=data[:12].hex())
print(json.dumps(dict(files=names, ver=ver, integrity=integrity, decks=json.loads(decks), models=json.loads(models),
                      col_tags=json.loads(col_tags),
                      notes=notes, cards=cards, media_map=media_map, media=media)))
