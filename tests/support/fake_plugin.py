"""A provider plugin ``pulumi-resource-fake`` for tests: a Python gRPC server speaking Pulumi's
``ResourceProvider`` protocol over a JSON file that stands for its platform (id → object), so the
engine's plugin machinery can be driven end to end without a Go-built plugin.

``Configure`` wants the token it was installed with (``fake:config:token``) and quotes a wrong one
in its error (as a careless plugin might quote its kubeconfig); ``Read`` answers the stored object
as outputs, and as inputs the object's values at the keys of the old inputs (as pulumi-kubernetes
prunes the live object to the program's inputs); an object not stored is gone."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PLUGIN = """#!{python}
import fcntl, json, os, sys
from concurrent import futures
import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PLATFORM = {platform!r}
TOKEN = {token!r}

def struct(value):
    message = struct_pb2.Struct()
    json_format.ParseDict(value, message)
    return message

def plain(message):
    return json_format.MessageToDict(message)

def load():
    with open(PLATFORM) as file:
        return json.load(file)

def change(edit):
    # edit(objects) under a lock, then the file replaced whole: the server's threads (and any other
    # process of the plugin) change it one at a time, and a reader never sees half a file
    with open(PLATFORM + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        objects = load()
        edit(objects)
        with open(PLATFORM + ".new", "w") as file:
            json.dump(objects, file)
        os.replace(PLATFORM + ".new", PLATFORM)

class Fake(provider_pb2_grpc.ResourceProviderServicer):
    def CheckConfig(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        same = plain(request.olds) == plain(request.news)
        changes = provider_pb2.DiffResponse.DIFF_NONE if same else provider_pb2.DiffResponse.DIFF_SOME
        return provider_pb2.DiffResponse(changes=changes)

    def Configure(self, request, context):
        token = request.variables.get("fake:config:token", "")
        if token != TOKEN:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unauthorized token " + token)
        return provider_pb2.ConfigureResponse(acceptSecrets=False)

    def Check(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request, context):
        olds, news = plain(request.olds), plain(request.news)
        changed = [key for key in news if olds.get(key) != news[key]]
        changes = provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE
        return provider_pb2.DiffResponse(changes=changes, diffs=changed)

    def Create(self, request, context):
        inputs = plain(request.properties)
        made = {{**inputs, "status": "ready"}}
        change(lambda objects: objects.__setitem__(inputs["name"], made))
        return provider_pb2.CreateResponse(id=inputs["name"], properties=struct(made))

    def Update(self, request, context):
        made = {{**plain(request.news), "status": "ready"}}
        change(lambda objects: objects.__setitem__(request.id, made))
        return provider_pb2.UpdateResponse(properties=struct(made))

    def Delete(self, request, context):
        change(lambda objects: objects.pop(request.id, None))
        return empty_pb2.Empty()

    def Read(self, request, context):
        found = load().get(request.id)
        if found is None:
            return provider_pb2.ReadResponse(id="")
        old = plain(request.inputs)
        inputs = {{key: value for key, value in found.items() if key in old}}
        return provider_pb2.ReadResponse(id=request.id, properties=struct(found), inputs=struct(inputs))

server = grpc.server(futures.ThreadPoolExecutor(4))
provider_pb2_grpc.add_ResourceProviderServicer_to_server(Fake(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
server.wait_for_termination()
"""


class FakePlatform:
    """The JSON file the fake plugin keeps its objects in, and the plugin installed in ``folder``."""

    def __init__(self, folder: Path, token: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / "platform.json"
        self.path.write_text("{}")
        binary = folder / "pulumi-resource-fake"
        binary.write_text(PLUGIN.format(python=sys.executable, platform=str(self.path), token=token))
        binary.chmod(0o755)

    @property
    def objects(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = json.loads(self.path.read_text())
        return found

    @objects.setter
    def objects(self, objects: dict[str, dict[str, Any]]) -> None:
        self.path.write_text(json.dumps(objects))
