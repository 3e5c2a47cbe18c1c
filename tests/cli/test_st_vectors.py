"""ATC's own system-test argument lists (docs/atc-parser-vectors.md) through parsing + option validation.

Expected: "OK" (options valid) or the E-code. Vectors whose ATC failure needs the model (a name that is
not an input, a non-Data node, ...) are OK here by design: those checks are the passes' job; they are
marked "model" in the comment. Our deliberate differences from ATC are marked "ours".
"""
import pytest

from .conftest import outcome

PB = ["--model=st_run_data/origin_model/add.pb", "--output=out/om", "--framework=3"]
ONNX = ["--model=st_run_data/origin_model/test.onnx", "--output=out/om", "--framework=5"]
SHAPE = ["--input_shape=Placeholder_1:1,256,256,3"]
PREC = ["--mode=0", "--framework=3", "--model=st_run_data/origin_model/add.pb", "--output=out/om",
        '--soc_version="Ascend310"', "--deterministic=1", "--input_format=NCHW", "--host_env_os=linux",
        "--host_env_cpu=x86_64"]
KEEP = "--keep_dtype=st_run_data/config/keep_dtype.cfg"
LAYOUT = ["--out_nodes=add_test_1:0", "--soc_version=Ascend310", "--output_type=FP32", *SHAPE,
          "--input_fp16_nodes=Placeholder_1", "--is_input_adjust_hw_layout=true",
          "--is_output_adjust_hw_layout=true", "--status_check=0"]
SINGLEOP = ["--singleop=st_run_data/json/single_op/add_op.json"]

VECTORS = [
    # op_name_map with TF
    (PB + ["--input_format=NCHW", "--soc_version=Ascend310", "--output_type=FP32", *SHAPE,
           "--op_name_map=st_run_data/config/opname_map.cfg"], "E10001"),
    (PB + SHAPE + ["--status_check=3"], "E10006"),
    (PB + ["--out_nodes=add_test_1:0", "--soc_version=Ascend310", "--output_type=add_test_1:0:FP16", *SHAPE,
           "--display_model_info=1", "--precision_mode=force_fp16", "--input_fp16_nodes=Placeholder_1",
           "--save_original_model=true", KEEP], "OK"),
    (PREC + ["--precision_mode=invalid"], "E10001"),
    (PREC + ["--precision_mode_v2=invalid"], "E10001"),
    (PREC + ["--precision_mode_v2=fp16", "--precision_mode=force_fp16"], "E10001"),
    (PREC + ["--precision_mode=force_fp16"], "OK"),
    (PREC + ["--deterministic_level=2", "--precision_mode_v2=fp16"], "OK"),
    (PB + ["--host_env_os=linux#"], "E10001"),
    (PB + ["--host_env_cpu=x86_64#"], "E10001"),
    (PB + ["--host_env_os=linux", "--host_env_cpu=aarch64"], "OK"),
    (PB + ["--keep_dtype=invalid"], "E13001"),
    (PB + ["--out_nodes=add_test_1:0", "--output_type=add_test_1:0"], "E10001"),
    (PB + LAYOUT, "OK"),
    (PB + ["--soc_version=Ascend910B2", "--output_type=FP32", *SHAPE, "--sparsity=1", "--allow_hf32=true", KEEP,
           "--status_check=0"], "OK"),
    (PB + ["--keep_dtype=st_run_data/config/keep_dtype_invalid_nodetype.cfg"], "E10003"),
    (PB + SHAPE + ["--auto_tune_mode=RL,GA", "--status_check=0"], "E10001"),
    (["--mode=30"] + PB + LAYOUT[:-1] + ["--soc_version=Ascend035"], "E10001"),
    (["--mode=30"] + PB + LAYOUT[2:], "E10001"),
    (PB + ["--out_nodes=add_test_1:a"], "E10001"),
    (PB + ["--out_nodes=add_test_1"], "E10001"),                  # TF needs node:index
    (PB + ["--out_nodes=invalid:0"], "OK"),                       # model
    (PB + ["--weight=st_run_data/not_exist"], "E13001"),
    (["--mode=3", "--framework=3", "--model=st_run_data/origin_model/add.pb", "--weight=st_run_data/not_exist"],
     "E13001"),
    (PB + ["--soc_version=Ascend910B2", "--status_check=0", "--compression_optimize_conf=./"], "OK"),
    (PB + ["--enable_compress_weight=true", "--compress_weight_conf=st_run_data/config/compress_weight.cfg"],
     "E10047"),
    (PB + ["--enable_compress_weight=invalid"], "E10005"),
    (ONNX + ["--weight=st_run_data/not_exist", "--out_nodes=Conv_0:0;Add_0:0", "--soc_version=Ascend310",
             "--output_type=Conv_0:0:FP32;Add_0:0:FP16", "--input_shape=x:1,3,640,640"], "E13001"),
    (ONNX + ["--out_nodes=Conv_0:0;Add_0:0", "--output_type=Conv_0:0:FP32;Add_0:0:FP16"], "OK"),
    (ONNX + ["--input_format=NC1HWC0"], "E10001"),
    # MindSpore .air: accepted (the model, absent here, is the frontend's business)
    (["--model=m.air", "--output=out/om", "--framework=1", "--out_nodes=relu:0", "--soc_version=Ascend310"],
     "OK"),
    (["--model=m.air", "--output=out/om", "--framework=1", "--soc_version=Ascend310P", "--status_check=0",
      "--host_env_os=linux", "--host_env_cpu=x86_64", "--log=debug"], "OK"),
    (PB + ["--log=debug"], "OK"),
    (PB + ["--input_shape=data;data1:-1,3,2"], "E10002"),
    (PB + ["--input_shape=:;data1:-1,3,2"], "E10002"),
    (PB + ["--input_shape=data:-1,3,2;data1:"], "OK"),
    (PB + ["--input_hint_shape=-1:[2]"], "OK"),
    (PB + ["--input_shape=Placeholder_1:-1", "--input_hint_shape=0:[2];1:[3]"], "OK"),
    (PB + ["--input_shape=Placeholder_1:-1", "--input_hint_shape=0:[3];1:[3]", "--dynamic_dims=4;8;16;64"],
     "E10001"),
    (["--om=x.om", "--json=x.json", "--mode=1", "--status_check=0"], "OK"),
    (["--om=x.txt", "--json=x.json", "--mode=5"], "OK"),
    (["--json=x.json", "--mode=5"], "E10004"),
    (["--om=st_run_data/origin_model/not_exist.om", "--json=x.json", "--mode=1"], "OK"),   # the reader's E13001
    (["--om=x.om", "--mode=6", "--status_check=0"], "OK"),
    (["--om=st_run_data/origin_model/add.pb", "--json=x.json", "--framework=3", "--mode=1"], "OK"),
    (["--om=add.pb", "--json=x.json", "--framework=3", "--mode=1", "--dump_mode=1", "--out_nodes=add_test_1:0",
      *SHAPE], "OK"),
    (["--om=x.om", "--json=x.json", "--framework=10", "--mode=1"], "E10007"),
    (["--om=x.om", "--json=x.json", "--framework=10", "--mode=1", "--dump_mode=10"], "E10006"),
    (["--om=st_run_data/origin_model/origin.txt", "--json=x.json", "--mode=5"], "OK"),
    (PB + ["--soc_version=Ascend310", "--output_type=FP32", "--out_nodes=add_test_1:0",
           "--input_shape_range=Placeholder_1:[-1]", "--log=debug"], "OK"),
    (PB + ["--input_shape=add_test_1:[-1]", "--input_shape_range=add_test_1:[-1]"], "OK"),   # model
    (PB + ["--input_shape_range=invalid:[1~8,256,256,-1]"], "OK"),                          # model
    (PB + ["--input_shape_range=add_test_1:[1~-1,256,256,-1]"], "E10048"),
    (PB + ["--input_shape_range=add_test_1:1~8,256,256,-1]"], "E10048"),
    (PB + ["--input_shape_range=:[1~8,256,256,-1]"], "E10048"),
    (PB + ["--input_shape_range=a:b:[1~8,256,256,-1]"], "OK"),                              # model
    (PB + ["--op_precision_mode=st_run_data/not_exist"], "E13001"),
    (PB + ["--modify_mixlist=not_exist", "--precision_mode=force_fp16"], "E13001"),
    (PB + ["--modify_mixlist=st_run_data/config/keep_dtype.cfg", "--precision_mode=force_fp16"], "E10001"),
    (PB + ["--op_select_implmode=invalid"], "E10001"),
    (PB + ["--op_select_implmode=invalid", "--optypelist_for_implmode=invalid"], "E10001"),
    (PB + ["--optypelist_for_implmode=Gelu"], "E10001"),
    (["--model=add.pb", "--output=out/om", "--framework=10"], "E10007"),
    (["--model=add.pb", "--output=out/om", "--framework=0"], "E10008"),
    (["--model=add.pb", "--output=" + "a" * 4097, "--framework=3"], "E10001"),
    (["--model=add.pb", "--output=st_run_data/", "--framework=3"], "E10022"),
    (PB + ["--input_format=NC1HWC0"], "E10001"),
    (["--model=a.prototxt", "--weight=st_run_data/config/keep_dtype.cfg", "--output=out/om", "--framework=0",
      "--input_format=NHWC"], "E10001"),
    (PB + ["--log=invalid"], "E10010"),
    (PB + ["--mode=10"], "E10001"),
    (SINGLEOP + ["--output=out", "--allow_hf32=true", "--soc_version=Ascend310"], "OK"),
    # ours: E13001 (cannot open), as for every input file option; ATC reports E10001
    (SINGLEOP + ["--output=out", "--soc_version=Ascend310", "--op_precision_mode=not_exist"], "E13001"),
    (SINGLEOP + ["--output=out", "--soc_version=Ascend310", "--modify_mixlist=not_exist",
                 "--precision_mode=force_fp16"], "E13001"),
    (SINGLEOP + ["--output=out", "--soc_version=Ascend310", "--framework=5"], "E10001"),
    (SINGLEOP + ["--output=out", "--soc_version=Ascend310", "--mode=1"], "E10001"),
    (SINGLEOP + ["--output=out", "--soc_version=Ascend310", "--insert_op_conf=st_run_data/config/opname_map.cfg"],
     "E10001"),
    (SINGLEOP + ["--output=out"], "E10004"),                       # --soc_version is required with --singleop
    (PB + ["--input_fp16_nodes=Placeholder_1", "--is_input_adjust_hw_layout=invalid"], "E10005"),
    (PB + ["--input_fp16_nodes=invalid"], "OK"),                  # model
    (PB + ["--input_fp16_nodes=add_test_1"], "OK"),               # model
    (PB + ["--input_shape=Placeholder_1:-1,256,256,3"], "OK"),    # model (dynamic-shaped, range recorded)
    (PB + ["--input_shape=Placeholder_1:1.1,256,256,3"], "E10002"),
    (PB + ["--input_shape=invalid:1,256,256,3"], "OK"),           # model
    (PB + ["--input_shape=Placeholder_1:a,256,256,3"], "E10002"),
    (PB + ["--input_shape=add_test_1:1,256,256,3"], "OK"),
    (PB + ["--input_shape=Placeholder_1:2147483648,256,256,3"], "OK"),
    (PB + ["--input_shape=Placeholder_1:99999999999999999999,256,256,3"], "E10013"),
    (PB + ["--output_type=invalid"], "E10001"),
    (PB + ["--out_nodes=add_test_1:0", "--output_type=invalid:0:FP32"], "E10001"),
    (PB + ["--output_type=invalid:FP32"], "E10001"),
    (PB + ["--output_type=invalid:a:FP32"], "E10001"),
    (PB + ["--output_type=invalid:-1:FP32"], "E10001"),
    (PB + ["--virtual_type=2"], "E10006"),
    (SINGLEOP + ["--output=./", "--display_model_info=1", '--soc_version="Ascend310"'], "E10001"),
    (SINGLEOP + ["--output=", "--display_model_info=0", '--soc_version="Ascend310"'], "E10004"),
    (["--mode=1", "--framework=1", "--om=x.air", "--json=x.json"], "E10001"),
    (["--mode=0", "--framework=0", "--weight=***", '--soc_version="Ascend310"'], "E10004"),
    (["--framework=0"], "E10004"),
    (["--mode=6", "--framework=3", "--om=x.om", "--json=x.json", "--dump_mode=1"], "E10001"),
    (["--framework=3", "--mode=7", "--om=x.om", "--input_fp16_nodes=Placeholder_1",
      "--is_input_adjust_hw_layout=true", "--is_output_adjust_hw_layout=true"], "E10001"),   # om2: not ours
]


@pytest.mark.parametrize("argv,expected", VECTORS, ids=[" ".join(v[0])[-60:] for v in VECTORS])
def test_atc_system_test_vector(st_dir, argv, expected):
    assert outcome(argv) == expected
