"""Post or update a merge-request note, or open/update/close an issue, through the GitLab API.

Used by ``aicompute.gitlab-ci.yml`` (copy it next to that file, e.g. as ``ci/gitlab_upsert.py``);
standard library only, so it runs in any Python image.

    python gitlab_upsert.py note FILE     # the MR note whose first line equals FILE's first line
    python gitlab_upsert.py issue FILE --title T --label L   # open or update the open issue titled T
    python gitlab_upsert.py close --title T --label L        # close it (with a note), if it is open

Environment: ``GITLAB_API_TOKEN`` (a project access token with the ``api`` scope, role Reporter or
more: ``CI_JOB_TOKEN`` may not write notes or issues), and GitLab's predefined ``CI_API_V4_URL``,
``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID`` (merge-request pipelines) and ``CI_PIPELINE_URL``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

MAX_BODY = 1_000_000  # GitLab's note limit; the report is already trimmed far below it


class Api:
    def __init__(self, base: str, project: str, token: str) -> None:
        self.base = f"{base.rstrip('/')}/projects/{urllib.parse.quote(project, safe='')}"
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("PRIVATE-TOKEN", self.token)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def pages(self, path: str) -> list[Any]:
        items: list[Any] = []
        page = 1
        while True:
            sep = "&" if "?" in path else "?"
            batch = self.call("GET", f"{path}{sep}per_page=100&page={page}")
            items += batch
            if len(batch) < 100:
                return items
            page += 1


def upsert_note(api: Api, mr_iid: str, body: str) -> str:
    marker = body.split("\n", 1)[0]
    notes = api.pages(f"/merge_requests/{mr_iid}/notes?sort=asc")
    earlier = next((n for n in notes if not n.get("system") and str(n.get("body", "")).startswith(marker)), None)
    if earlier is not None:
        api.call("PUT", f"/merge_requests/{mr_iid}/notes/{earlier['id']}", {"body": body[:MAX_BODY]})
        return f"updated note {earlier['id']}"
    created = api.call("POST", f"/merge_requests/{mr_iid}/notes", {"body": body[:MAX_BODY]})
    return f"posted note {created['id']}"


def _open_issue(api: Api, title: str, label: str) -> dict[str, Any] | None:
    query = urllib.parse.urlencode({"state": "opened", "labels": label, "search": title, "in": "title"})
    return next((i for i in api.pages(f"/issues?{query}") if i.get("title") == title), None)


def upsert_issue(api: Api, title: str, label: str, body: str) -> str:
    issue = _open_issue(api, title, label)
    if issue is not None:
        api.call("PUT", f"/issues/{issue['iid']}", {"description": body[:MAX_BODY]})
        api.call("POST", f"/issues/{issue['iid']}/notes", {"body": f"Still drifting ({_pipeline()})."})
        return f"updated issue #{issue['iid']}"
    created = api.call("POST", "/issues", {"title": title, "labels": label, "description": body[:MAX_BODY]})
    return f"opened issue #{created['iid']}"


def close_issue(api: Api, title: str, label: str) -> str:
    issue = _open_issue(api, title, label)
    if issue is None:
        return "no open issue"
    api.call("POST", f"/issues/{issue['iid']}/notes", {"body": f"In sync again ({_pipeline()})."})
    api.call("PUT", f"/issues/{issue['iid']}", {"state_event": "close"})
    return f"closed issue #{issue['iid']}"


def _pipeline() -> str:
    return os.environ.get("CI_PIPELINE_URL", "this pipeline")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("note", "issue", "close"))
    parser.add_argument("file", nargs="?", help="The Markdown body (note, issue).")
    parser.add_argument("--title", help="The issue's title (issue, close).")
    parser.add_argument("--label", default="drift", help="The issue's label (issue, close).")
    args = parser.parse_args(argv)
    env = os.environ
    missing = [k for k in ("GITLAB_API_TOKEN", "CI_API_V4_URL", "CI_PROJECT_ID") if not env.get(k)]
    if args.action == "note" and not env.get("CI_MERGE_REQUEST_IID"):
        missing.append("CI_MERGE_REQUEST_IID")
    if missing:
        print(f"error: set {', '.join(missing)}", file=sys.stderr)
        return 1
    if args.action in ("note", "issue") and not args.file:
        parser.error(f"{args.action}: FILE is required")
    if args.action in ("issue", "close") and not args.title:
        parser.error(f"{args.action}: --title is required")
    api = Api(env["CI_API_V4_URL"], env["CI_PROJECT_ID"], env["GITLAB_API_TOKEN"])
    body = Path(args.file).read_text(encoding="utf-8") if args.file else ""
    if args.action == "note":
        print(upsert_note(api, env["CI_MERGE_REQUEST_IID"], body))
    elif args.action == "issue":
        print(upsert_issue(api, args.title, args.label, body))
    else:
        print(close_issue(api, args.title, args.label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
