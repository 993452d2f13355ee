#!/usr/bin/env python3
"""Drives a real Anki importer (Anki 2.1.15's Python `anki` package, headless) for the function's
tests: what a learner's collection does with the decks Ankify builds. Run with the system python
(/usr/bin/python3) and ANKI_PYTHONPATH set to the directory that holds the `anki` package.

Usage: anki_import.py COLLECTION STEPS_JSON
       anki_import.py --serve    (one request a line on stdin, {"collection": …, "steps": […]}; one
                                  answer a line on stdout: what a run prints, or {"error": …})
--serve imports Anki once for all the requests of a test file (an import costs ~0.4 s of CPU); each
request opens its collection, runs its steps, saves and closes it, exactly as a run of its own does.
STEPS_JSON is a list of steps, run in order on one collection (created if missing):
  {"import": "deck.apkg"}                        import a package; reports added/updated/skipped
  {"edit_note": GUID, "field": N, "value": "…"}  a learner's edit to one field of one note
  {"edit_css": "Note type name", "append": "…"}  a learner's edit to a note type's styling
Prints JSON: one report per step, then the collection (Ankify's note types; notes with fields, mod
and tags; card count per note; deck names; files in the media folder)."""
import json, os, sys, time

sys.path.insert(0, os.environ.get("ANKI_PYTHONPATH", "/usr/share/anki"))
from anki import Collection  # noqa: E402
from anki.importing import AnkiPackageImporter  # noqa: E402


def run(path, steps):
    col = Collection(path)
    try:
        reports = []
        for step in steps:
            if "import" in step:
                importer = AnkiPackageImporter(col, step["import"])
                importer.run()
                reports.append(dict(added=importer.added, updated=importer.updated, identical=importer.dupes,
                                    log=[line for line in importer.log if line]))
            elif "edit_note" in step:
                nid = col.db.scalar("select id from notes where guid = ?", step["edit_note"])
                note = col.getNote(nid)
                note.fields[step["field"]] = step["value"]
                # A learner's edit happens after the import, at least a second later in Anki's clock.
                time.sleep(1)
                note.flush()
                reports.append(dict(edited=step["edit_note"], mod=note.mod))
            elif "edit_css" in step:
                model = col.models.byName(step["edit_css"])
                model["css"] += step["append"]
                time.sleep(1)
                col.models.save(model)
                reports.append(dict(edited_css=step["edit_css"], mod=model["mod"]))
        col.save()
        # Ankify's note types, and any copy Anki made of one (a copy keeps the name, so it is listed too).
        models = [dict(id=m["id"], name=m["name"], mod=m["mod"], css=m["css"], flds=[f["name"] for f in m["flds"]],
                       tmpls=[t["name"] for t in m["tmpls"]]) for m in col.models.all() if m["name"].startswith("Ankify")]
        notes = [dict(guid=r[0], mid=r[1], flds=r[2].split("\x1f"), mod=r[3], tags=r[4].split(),
                      cards=col.db.scalar("select count() from cards where nid = ?", r[5]))
                 for r in col.db.execute("select guid, mid, flds, mod, tags, id from notes order by id")]
        decks = sorted(d["name"] for d in col.decks.all())
        media = sorted(os.listdir(col.media.dir()))
        return dict(reports=reports, models=models, notes=notes, decks=decks, media=media)
    finally:
        col.close()


if sys.argv[1:] == ["--serve"]:
    answers, sys.stdout = sys.stdout, sys.stderr  # anything Anki prints stays out of the answers
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = run(request["collection"], request["steps"])
        except Exception as error:  # reported to the test, which fails with it; the next request still runs
            answer = dict(error="%s: %s" % (type(error).__name__, error))
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
else:
    print(json.dumps(run(sys.argv[1], json.loads(sys.argv[2]))))
