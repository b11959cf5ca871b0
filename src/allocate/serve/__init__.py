"""``allocate serve``: a local web app to adjust territories by hand (rank 6, beside ``batch``).

A manager opens a run in the browser, moves and locks accounts on a Leaflet map, sees every
seller's workload and the totals change at once (:mod:`.live`), sees which hard rules an edit
breaks (:mod:`.rules`), undoes and redoes (:mod:`.session`), re-optimizes around the edits
(:mod:`.reoptimize`, run in the background by :mod:`.jobs`), and saves versions as new run
folders with their edits (:mod:`.versions`). :mod:`.api` is the JSON API and :mod:`.page`
the page; :mod:`.guard` decides who may call; :mod:`.server` runs it with uvicorn.
"""

from allocate.serve.api import create_app
from allocate.serve.guard import Guard
from allocate.serve.server import serve
from allocate.serve.workspace import Workspace

__all__ = ["Guard", "Workspace", "create_app", "serve"]
