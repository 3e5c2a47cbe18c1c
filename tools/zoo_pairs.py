"""More real ATC-compiled models with their sources, from the public Ascend model zoos (too large to commit:
tests/ascend/test_zoo_pairs.py runs on them when they are in $OM_ZOO_DIR, else skips).

    python tools/zoo_pairs.py extract --modelzoo CLONE --modelzoo-tf CLONE --out DIR   # git clones (any depth
                                                                                          # that holds the commits)
    python tools/zoo_pairs.py goldens --zoo DIR --out tests/data/ascend                 # needs tensorflow

``extract`` copies each file out of the named commit and checks its sha256; ``goldens`` runs the TensorFlow
sources on seeded inputs and writes the small committed goldens (zoo_tf_goldens.npz).

| pair | from | what | source |
|---|---|---|---|
| a3c_pong | Ascend/modelzoo (Apache-2.0) | A3C policy net for Pong, ATC of CANN 20.1 for Ascend310: conv+relu and matmul+relu6 fusions without attributes, FRACTAL_Z / FRACTAL_NZ weights, SoftmaxV2, ArgMaxD | the frozen .pb it was compiled from |
| ddnet | Ascend/ModelZoo-TensorFlow (MIT, the folder's LICENCE) | DD-Net skeleton action recognition, ATC 1.75: StridedSliceD, ResizeBilinearV2D, ConcatV2D, ReduceMaxD, SoftmaxV2, 1-D convs as Conv2D | none public (model.pb is not in the repository); its test inputs X0.bin, X1.bin |
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess

import numpy as np

A3C_DIR = "contrib/Research/reinforcement-learning/A3C/A3C_tf_ HGX_2018302398"
DDNET_DIR = "ACL_TensorFlow/contrib/cv/DD-NET_ID1088_for_TensorFlow"
# name -> [(repository option, commit, path in the repository, file name, sha256)]
FILES = {
    "a3c_pong": [
        ("modelzoo", "7761bb22b50934e1179b516af8eab7ed5ce4f341", f"{A3C_DIR}/om_model/a3c_pong_model.om",
         "a3c_pong_model.om", "f51e589ba6afcd8fafb44da5c64a40da39d2906dbefca4af8e4d2b9dbfd872d4"),
        ("modelzoo", "848488ffaa883135bc0f2b971fed09b095811658", f"{A3C_DIR}/pb_model/a3c_pong_model.pb",
         "a3c_pong_model.pb", "a89d5b8208df2039c7c94c6cd62bdb420c1935eecb0838527db406e5d204f58f"),
    ],
    "ddnet": [
        ("modelzoo_tf", "a2c3332a6cea24b56ab936a746b994c89c8fc7f8", f"{DDNET_DIR}/out.om", "ddnet_out.om",
         "b3029d86ea6a7bb4bb46dc9fa75b2e0f43d81b0a13f129c2a67aa9695441757b"),
        ("modelzoo_tf", "a2c3332a6cea24b56ab936a746b994c89c8fc7f8", f"{DDNET_DIR}/test/X0.bin", "ddnet_X0.bin",
         "5b0f6f7e42e0500bbebd774cdccad9134afb33d746d028e363a58f353f7a3245"),
        ("modelzoo_tf", "a2c3332a6cea24b56ab936a746b994c89c8fc7f8", f"{DDNET_DIR}/test/X1.bin", "ddnet_X1.bin",
         "6f2d9baecc584b8a9984e7abf702a9f21aea62901891ba3172a598c50997ed75"),
    ],
}
A3C_INPUTS = 6          # seeded observations run through the A3C net
A3C_SEED = 0


def a3c_inputs() -> np.ndarray:
    return np.random.default_rng(A3C_SEED).random((A3C_INPUTS, 1, 42, 42, 1)).astype(np.float32)


def extract(clones: dict, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    for name, files in FILES.items():
        for repo, commit, path, target, digest in files:
            if not clones.get(repo):
                print(f"{name}: skipped (no --{repo.replace('_', '-')} clone given)")
                break
            data = subprocess.run(["git", "--git-dir", clones[repo], "show", f"{commit}:{path}"], check=True,
                                  capture_output=True).stdout
            if hashlib.sha256(data).hexdigest() != digest:
                raise SystemExit(f"{target}: sha256 differs from the recorded one")
            with open(os.path.join(out, target), "wb") as f:
                f.write(data)
            print(f"{target}: {len(data)} bytes from {repo} {commit[:10]}")


def goldens(zoo: str, out: str) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    graph_def = tf.compat.v1.GraphDef()
    with open(os.path.join(zoo, "a3c_pong_model.pb"), "rb") as f:
        graph_def.ParseFromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    probs, actions = [], []
    with tf.compat.v1.Session(graph=graph) as sess:
        for x in a3c_inputs():
            p, a = sess.run(["W_0/actor/ap/Softmax:0", "out_a:0"], {"s:0": x})
            probs.append(p)
            actions.append(a)
    np.savez_compressed(os.path.join(out, "zoo_tf_goldens.npz"), a3c_probs=np.concatenate(probs),
                        a3c_actions=np.concatenate(actions))
    print(f"zoo_tf_goldens.npz: a3c softmax and actions for {A3C_INPUTS} seeded observations")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ext = sub.add_parser("extract")
    ext.add_argument("--modelzoo", help="git dir of a clone of Ascend/modelzoo")
    ext.add_argument("--modelzoo-tf", help="git dir of a clone of Ascend/ModelZoo-TensorFlow")
    ext.add_argument("--out", required=True)
    gold = sub.add_parser("goldens")
    gold.add_argument("--zoo", required=True)
    gold.add_argument("--out", default="tests/data/ascend")
    args = parser.parse_args()
    if args.command == "extract":
        extract({"modelzoo": args.modelzoo, "modelzoo_tf": args.modelzoo_tf}, args.out)
    else:
        goldens(args.zoo, args.out)


if __name__ == "__main__":
    main()
