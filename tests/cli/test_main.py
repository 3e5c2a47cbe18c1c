"""`atc` end to end at the CLI layer: dispatch by mode to converter.api (replaced by fakes here),
ATC's success/failure lines, E-coded messages, exit status, warnings on stderr, help."""
import subprocess
import sys
import types

import pytest

from converter import cli
from converter.errors import GraphError
from converter.options import ConvertOptions

ONNX = ["--framework=5", "--model=m.onnx", "--output=out/m"]


MODE_NAMES = {0: "convert", 1: "dump_json", 3: "precheck", 5: "dump_text_modeldef", 6: "print_model_info",
              "singleop": "convert_single_ops"}


@pytest.fixture
def fake_api(monkeypatch, tmp_path):
    """Stand-ins for the converter.api functions the CLI dispatches to, recording calls; each returns what
    `results` says. `actions` is the mode -> function table the CLI sees."""
    monkeypatch.chdir(tmp_path)
    api = types.SimpleNamespace(calls=[], results={})

    def make(name):
        def action(options):
            api.calls.append((name, options))
            result = api.results.get(name, f"{name}-result")
            if isinstance(result, BaseException):
                raise result
            return result
        return action

    api.actions = {mode: make(name) for mode, name in MODE_NAMES.items()}
    monkeypatch.setattr(cli, "mode_actions", lambda: api.actions)
    return api


def test_every_mode_maps_to_its_api_function():
    from converter import api
    from converter.options import SUPPORTED_MODES
    actions = cli.mode_actions()
    assert set(actions) == set(SUPPORTED_MODES) | {"singleop"}
    assert actions == {mode: getattr(api, name) for mode, name in MODE_NAMES.items()}


@pytest.mark.parametrize("argv,action", [
    (ONNX, "convert"),
    (["--mode=1", "--om=a.om", "--json=a.json"], "dump_json"),
    (["--mode=3", "--framework=3", "--model=m.pb"], "precheck"),
    (["--mode=5", "--om=a.txt", "--json=a.json"], "dump_text_modeldef"),
    (["--mode=6", "--om=a.om"], "print_model_info"),
    (["--singleop=ops.json", "--output=out", "--soc_version=Ascend310"], "convert_single_ops"),
])
def test_dispatch_by_mode(fake_api, capsys, argv, action):
    assert cli.main(argv) == 0
    (name, options), = fake_api.calls
    assert name == action and isinstance(options, ConvertOptions)
    assert options.cmdline == "atc " + " ".join(argv)
    out = capsys.readouterr().out
    assert out.rstrip().endswith(cli.SUCCESS_LINE)
    assert ("print_model_info-result" in out) == (action == "print_model_info")


def test_converter_error_is_reported_with_code_and_no_traceback(fake_api, capsys):
    fake_api.results["convert"] = GraphError("E10016", "--input_shape: 'y' is not an input of the model; "
                                             "inputs are: x\nuse one of the model's input names",
                                             option="--input_shape")
    assert cli.main(ONNX + ["--input_shape=y:1,3"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[-2] == cli.FAILURE_LINE  # a message is one line: a line break in it (a name) is escaped
    assert lines[-1].startswith("E10016: --input_shape: 'y' is not an input")
    assert lines[-1].endswith("inputs are: x\\nuse one of the model's input names")
    assert "Traceback" not in captured.out + captured.err
    assert cli.SUCCESS_LINE not in captured.out


def test_option_error_stops_before_the_api_and_writes_nothing(fake_api, capsys, tmp_path):
    assert cli.main(ONNX + ["--input_shape=x:1,3.5"]) == 1
    assert fake_api.calls == []
    out = capsys.readouterr().out
    assert cli.FAILURE_LINE in out and "E10002: " in out
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_message(fake_api, capsys):
    assert cli.main(ONNX + ["--ouput_type=FP32"]) == 1
    assert "E10001: unknown option '--ouput_type'; did you mean --output_type?" in capsys.readouterr().out


@pytest.mark.parametrize("log,traceback_shown", [("error", False), ("debug", True)])
def test_internal_error(fake_api, capsys, log, traceback_shown):
    fake_api.results["convert"] = KeyError("boom")
    assert cli.main(ONNX + [f"--log={log}"]) == 1
    captured = capsys.readouterr()
    assert cli.FAILURE_LINE in captured.out and "E19999: internal error: KeyError" in captured.out
    assert ("Traceback" in captured.err) == traceback_shown


def test_ignored_options_warned_once_on_stderr(fake_api, capsys):
    assert cli.main(ONNX + ["--soc_version=Ascend310", "--op_select_implmode=high_precision",
                            "--soc_version=Ascend910"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("--soc_version") == 1 and "Ascend910" in captured.err
    assert captured.err.count("--op_select_implmode") == 1
    assert "--soc_version" not in captured.out
    options = fake_api.calls[0][1]
    assert options.ignored == (("--soc_version", "Ascend910"), ("--op_select_implmode", "high_precision"))


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--help=true"], ONNX + ["--help=yes"]])
def test_help(fake_api, capsys, argv):
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    for group in ("input:", "output:", "shapes:", "precision:", "modes:", "accepted-but-ignored:"):
        assert f"\n{group}\n" in out
    assert "  --input_shape " in out and "  --soc_version " in out
    assert fake_api.calls == []


def test_no_arguments_prints_help_and_fails(fake_api, capsys):
    assert cli.main([]) == 1
    assert "--framework" in capsys.readouterr().out


def test_display_model_info_after_conversion(fake_api, capsys):
    fake_api.results["convert"] = "out/m.om"
    fake_api.results["print_model_info"] = "model info text"
    assert cli.main(ONNX + ["--display_model_info=1"]) == 0
    assert [name for name, _ in fake_api.calls] == ["convert", "print_model_info"]
    assert fake_api.calls[1][1].om == "out/m.om"
    assert "model info text" in capsys.readouterr().out


def test_mode_missing_from_api_is_an_e_coded_error(fake_api, capsys):
    del fake_api.actions[1]
    assert cli.main(["--mode=1", "--om=a.om", "--json=a.json"]) == 1
    assert "E10001: --mode=1 is not available" in capsys.readouterr().out


def test_help_false_runs_normally(fake_api, capsys):
    assert cli.main(ONNX + ["--help=false"]) == 0
    assert fake_api.calls


def test_python_dash_m_entry_point():
    done = subprocess.run([sys.executable, "-m", "converter", "--ouput_type=FP32"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "did you mean --output_type?" in done.stdout and "Traceback" not in done.stderr
