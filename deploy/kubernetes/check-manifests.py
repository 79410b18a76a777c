#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check nsctl's Kubernetes manifests offline: YAML, the fields the API server requires for
the kinds used, references between them, and what nsctld needs on a node.

    check-manifests.py [--nsctld PATH] FILE...

With --nsctld, the policy in the ConfigMap is also checked with `nsctld --check-policy`
(its users and groups must exist here). Exit 0 when every check passes; otherwise each
problem is printed as FILE: DOCUMENT: message and the exit status is 1.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
KINDS = {"Namespace": "v1", "ConfigMap": "v1", "DaemonSet": "apps/v1"}
NAMESPACED = {"ConfigMap", "DaemonSet"}
HOSTPATH_TYPES = {"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
                  "CharDevice", "BlockDevice"}


class Checker:
    def __init__(self):
        self.problems = []
        self.where = ""

    def fail(self, msg):
        self.problems.append(f"{self.where}: {msg}")

    def get(self, obj, path, typ, required=True):
        """obj at a dotted path, of type typ; a problem (and None) when it is not."""
        cur = obj
        for part in path.split("."):
            if not isinstance(cur, dict) or part not in cur:
                if required:
                    self.fail(f"{path}: required")
                return None
            cur = cur[part]
        if not isinstance(cur, typ):
            self.fail(f"{path}: expected {typ.__name__ if isinstance(typ, type) else typ}")
            return None
        return cur


def check_metadata(c, doc, kind):
    name = c.get(doc, "metadata.name", str)
    if name is not None and not DNS_SUBDOMAIN.match(name):
        c.fail(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    ns = c.get(doc, "metadata.namespace", str, required=kind in NAMESPACED)
    if ns is not None and not DNS_LABEL.match(ns):
        c.fail(f"metadata.namespace {ns!r} is not a DNS-1123 label")
    labels = c.get(doc, "metadata.labels", dict, required=False) or {}
    for k, v in labels.items():
        if not isinstance(v, str):
            c.fail(f"metadata.labels.{k}: values are strings")


def check_daemonset(c, doc, configmaps):
    spec = c.get(doc, "spec", dict)
    if spec is None:
        return
    sel = c.get(doc, "spec.selector.matchLabels", dict)
    labels = c.get(doc, "spec.template.metadata.labels", dict)
    if sel is not None and labels is not None and any(labels.get(k) != v for k, v in sel.items()):
        c.fail("spec.selector.matchLabels does not select spec.template.metadata.labels")
    pod = c.get(doc, "spec.template.spec", dict)
    if pod is None:
        return
    if pod.get("hostPID") is not True:
        c.fail("hostPID must be true: nsctld pins the node's processes")
    containers = c.get(pod, "containers", list)
    volumes = {}
    for v in pod.get("volumes", []):
        name = v.get("name") if isinstance(v, dict) else None
        if not isinstance(name, str) or not DNS_LABEL.match(name):
            c.fail(f"volume name {name!r} is not a DNS-1123 label")
            continue
        if name in volumes:
            c.fail(f"volume {name} defined twice")
        sources = [k for k in v if k != "name"]
        if len(sources) != 1:
            c.fail(f"volume {name}: exactly one source, not {sources}")
        if "hostPath" in v:
            hp = v["hostPath"]
            if not isinstance(hp.get("path"), str) or not hp["path"].startswith("/"):
                c.fail(f"volume {name}: hostPath.path must be absolute")
            if hp.get("type", "") not in HOSTPATH_TYPES:
                c.fail(f"volume {name}: unknown hostPath.type {hp.get('type')!r}")
        if "configMap" in v:
            ref = v["configMap"].get("name")
            if ref not in configmaps:
                c.fail(f"volume {name}: no ConfigMap {ref!r} in these manifests")
            mode = v["configMap"].get("defaultMode", 0o644)
            if not isinstance(mode, int) or mode & 0o022:
                c.fail(f"volume {name}: the policy must not be group/other-writable")
        volumes[name] = v
    for ctr in containers or []:
        cname = ctr.get("name")
        if not isinstance(cname, str) or not DNS_LABEL.match(cname):
            c.fail(f"container name {cname!r} is not a DNS-1123 label")
        if not isinstance(ctr.get("image"), str) or not ctr["image"]:
            c.fail(f"container {cname}: image is required")
        mounts = {}
        for m in ctr.get("volumeMounts", []):
            if m.get("name") not in volumes:
                c.fail(f"container {cname}: volumeMount {m.get('name')!r} has no volume")
                continue
            if not str(m.get("mountPath", "")).startswith("/"):
                c.fail(f"container {cname}: mountPath of {m.get('name')} must be absolute")
            mounts[m["mountPath"]] = (m, volumes[m["name"]])
        argv = [str(a) for a in ctr.get("command", []) + ctr.get("args", [])]
        if not argv or not argv[0].endswith("/nsctld"):
            continue
        opts = {argv[i]: argv[i + 1] for i in range(1, len(argv) - 1) if argv[i].startswith("--")}
        listen = opts.get("--listen")
        if not listen or os.path.dirname(listen) not in mounts or \
                "hostPath" not in mounts[os.path.dirname(listen)][1]:
            c.fail(f"container {cname}: --listen must be on a hostPath volume (the node's socket)")
        for opt in ("--containerd-state", "--crio-state"):
            path = opts.get(opt)
            if path is None:
                continue
            if path not in mounts or "hostPath" not in mounts[path][1]:
                c.fail(f"container {cname}: {opt} {path} is not a hostPath mount")
            elif mounts[path][0].get("readOnly") is not True:
                c.fail(f"container {cname}: {opt} {path} must be mounted readOnly")
        if opts.get("--host-mount-ns") != "/proc/1/ns/mnt":
            c.fail(f"container {cname}: --host-mount-ns /proc/1/ns/mnt: the node's tools")
        policy = opts.get("--policy", "/etc/nsctl/policy")
        base = os.path.dirname(policy.replace("/..data", ""))
        if base not in mounts or "configMap" not in mounts[base][1]:
            c.fail(f"container {cname}: --policy {policy} is not in the ConfigMap volume")
        sc = ctr.get("securityContext", {})
        if sc.get("privileged") is not True:
            c.fail(f"container {cname}: nsctld needs securityContext.privileged (setns)")


def check_policy(c, nsctld, text):
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        path = os.path.join(d, "policy")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        res = subprocess.run([nsctld, "--check-policy", path], capture_output=True, text=True)
        if res.returncode != 0:
            c.fail("the policy does not load: " + (res.stderr or res.stdout).strip())


def main(argv):
    nsctld = None
    if len(argv) >= 2 and argv[0] == "--nsctld":
        nsctld, argv = argv[1], argv[2:]
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    c = Checker()
    for path in argv:
        try:
            with open(path) as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            c.problems.append(f"{path}: {e}")
            continue
        configmaps = {}
        for i, doc in enumerate(docs):
            c.where = f"{path}: document {i + 1}"
            if not isinstance(doc, dict):
                c.fail("not a mapping")
                continue
            kind = c.get(doc, "kind", str)
            api = c.get(doc, "apiVersion", str)
            if kind is None or api is None:
                continue
            c.where = f"{path}: {kind} {doc.get('metadata', {}).get('name')}"
            if kind not in KINDS:
                c.fail(f"kind {kind} is not one this checker knows")
                continue
            if api != KINDS[kind]:
                c.fail(f"apiVersion of {kind} is {KINDS[kind]}, not {api}")
            check_metadata(c, doc, kind)
            if kind == "ConfigMap":
                data = c.get(doc, "data", dict) or {}
                if any(not isinstance(v, str) for v in data.values()):
                    c.fail("data values are strings")
                configmaps[doc["metadata"]["name"]] = data
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "DaemonSet":
                c.where = f"{path}: DaemonSet {doc.get('metadata', {}).get('name')}"
                check_daemonset(c, doc, configmaps)
        if nsctld:
            for name, data in configmaps.items():
                c.where = f"{path}: ConfigMap {name}"
                if "policy" not in data:
                    c.fail("no key 'policy'")
                else:
                    check_policy(c, nsctld, data["policy"])
    for p in c.problems:
        print(p)
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
