"""Organizations' updates behind a safety gate: places, people, photos, time and a second approval by staff.

The models live here and belong to the orgs app (imported at the end of orgs/models.py); the public pages show
published updates through orgs.updates.selectors; the manager's pages are in reports/updates.py; the emails to
donors who opted in are sent by donations (publish_updates command, donations.tasks.send_update_email).
"""
