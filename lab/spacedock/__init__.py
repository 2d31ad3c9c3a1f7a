"""The real SpaceDock (APP=spacedock): its image at one commit (image.py),
the Python packages of a commit's time (wheels.py), its frontend built with npm
(npm_build.py) and a client for its API and forms (client.py). lab.app says
when it runs."""
