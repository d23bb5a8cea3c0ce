"""A video analytics pipeline: one VideoAnalyticsPipeline component on a central compute cluster.

An intrusion-detection algorithm package, an algorithm service running it, and one analysis task
per camera stream. Adding a stream to ``streams`` adds one task and touches nothing else.

Stack config (``video-analytics-pipeline:*``): ``clusterCode`` (an existing cluster; when empty a
small CentralComputeCluster is made, named ``clusterName``), ``packageUrl``, ``packageMd5``,
``gpuType``, ``eventUrl``, and ``streams``, structured config mapping a stream name to its ``url``
and ``resolution`` (two cameras when unset; ``aicompute config set`` cannot write objects yet, so
add a stream by editing ``Pulumi.<stack>.yaml``)::

    config:
      video-analytics-pipeline:streams:
        gate: {url: "rtsp://10.0.0.7/gate", resolution: PIXELS_200W}

The provider settings come from ``aicompute:*`` config (``aicompute:centralEndpoint``,
``aicompute:centralClientId``, ``aicompute:centralClientSecret`` as a secret) or the environment
(``AICOMPUTE_CENTRAL_ENDPOINT``, ``AICOMPUTE_CENTRAL_CLIENT_ID``, ``AICOMPUTE_CENTRAL_CLIENT_SECRET``).
"""

import pulumi

from aicompute.stacks import CentralComputeCluster, VideoAnalyticsPipeline

config = pulumi.Config()
cluster_code: pulumi.Input[str] = config.get("clusterCode") or ""
if not cluster_code:
    cluster = CentralComputeCluster(
        "analytics",
        {
            "cluster": {
                "name": config.require("clusterName"),
                "version": "1.20.x",
                "nodes": [{"node_resource": {"cpu": 4, "mem": 8, "root_disk_size": 100}, "count": 1}],
            }
        },
    )
    cluster_code = cluster.cluster_code

streams = config.get_object("streams") or {
    "gate": {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"},
    "lobby": {"url": "rtsp://10.0.0.8/lobby", "resolution": "PIXELS_200W"},
}
whole_frame = [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}, {"x": 0, "y": 1}]

pipeline = VideoAnalyticsPipeline(
    "intrusion",
    {
        "cluster_code": cluster_code,
        "package": {
            "url": config.require("packageUrl"),
            "md5": config.require("packageMd5"),
            "package_id": "intrusion",
        },
        "service": {"gpu_type": config.require("gpuType"), "replicas": 1, "envs": {"threadCount": "4"}},
        "task": {
            "labels": {"algoCabinName": "intrusion", "version": "2.0.1"},
            "rules": [
                {
                    "areas": [{"area_id": 1, "area_type": "POLYGON", "points": whole_frame}],
                    "destinations": {"HTTPDest": {"url": config.require("eventUrl")}},
                    "event_type": "INTRUSION",
                }
            ],
        },
        "streams": streams,
    },
)

pulumi.export("cluster_code", pipeline.cluster_code)
pulumi.export("package_id", pipeline.package_id)
pulumi.export("service_id", pipeline.service_id)
pulumi.export("service_status", pipeline.service_status)
pulumi.export("task_ids", pipeline.task_ids)
pulumi.export("task_statuses", pipeline.task_statuses)
