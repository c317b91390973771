"""Static files storage: WhiteNoise's compressed, hashed copies, plus hashed ES module imports for
the screen player.

The player (``static/screen/*.js``) is served as ES modules, no bundler. Its modules import each
other by relative name (``from "./schedule.js"``); here those names are rewritten to the hashed
copies, so a page that loads a hashed ``player.<hash>.js`` also gets the modules of the same
release (served as immutable, never a stale copy from an HTTP cache), and the service worker's list
of hashed shell URLs is exactly what the browser asks for. Django's own rewriting of module imports
(``support_js_module_import_aggregation``) would apply to every script of every app, third-party
bundles included; this pattern is limited to the player's modules and to the one import form they
use.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

PLAYER_IMPORT = r"""(?P<matched>\bfrom\s*"(?P<url>\./[\w-]+\.js)")"""


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        ("screen/*.js", ((PLAYER_IMPORT, 'from "%(url)s"'),)),
    )
    # Each pass settles one more level of the import chain (player.js → network.js → … → state.js).
    max_post_process_passes = 10
