"""Write build/schema-embed.json (version stamped) and build/terraform-mapping-embed.json from the
provider module's schema.json and terraform-mapping.json, as its release build's generate step does.
Usage: python3 embed_files.py <module's cmd/pulumi-resource-kubernetes folder> <version>"""

import json
import sys
from pathlib import Path

source, version = Path(sys.argv[1]), sys.argv[2]
build = Path(__file__).with_name("build")
build.mkdir(exist_ok=True)
schema = json.loads((source / "schema.json").read_text())
schema["version"] = version
(build / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
mapping = json.loads((source / "terraform-mapping.json").read_text())
(build / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))
