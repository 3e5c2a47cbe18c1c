"""Every real `atc` line of fixtures/atc-cmdlines/public.txt through parsing + option validation.

Placeholders are replaced by values that fit their option, relative config files named by a line are
created (valid content), model files stay missing (the frontends' business). Each line ends OK or in the
E-code listed here; only the lines wrong in the wild may fail as usage errors (unknown option, stray word).
"""
import pytest

from converter.cli_args import UsageError
from converter.errors import ConverterError
from converter.options import options_from_argv

from .public_lines import create_option_files, line_to_argv, public_lines

EXPECTED = {
    3: "E10001",     # --auto_tune_mode: retired in ATC
    17: "E10007",    # '--framework=5\ --model=...': the escaped spaces glue the whole line into one value
    37: "E10002",    # symbolic dims 'input_ids:batch,seq_len' in --input_shape
    80: "E10035",    # --dynamic_dims with one profile
    85: "E13001",    # --customize_dtypes names an absolute file that is not there
    100: "E10004",   # --dynamic_batch_size without --input_shape
    103: "E10001",   # --mode=30: not an ATC mode we support
}
WRONG_IN_THE_WILD_USAGE = {
    52: "E10001",    # '.../atc atc --model=...': the word 'atc' twice -> stray positional argument
    55: "E10001",    # '--input_shape="image_tensor:1,640,640,3" "input_name1:image_tensor"': stray argument
}
LINES = public_lines()


def test_fixture_has_all_lines():
    assert len(LINES) == 106


@pytest.mark.parametrize("number,line", LINES, ids=[str(n) for n, _ in LINES])
def test_public_line(tmp_path, monkeypatch, number, line):
    monkeypatch.chdir(tmp_path)
    argv = line_to_argv(line)
    create_option_files(argv, tmp_path)
    try:
        options = options_from_argv(argv)
    except UsageError as error:
        assert WRONG_IN_THE_WILD_USAGE.get(number) == error.code, f"line {number}: {error}"
        return
    except ConverterError as error:
        assert EXPECTED.get(number) == error.code, f"line {number}: {error}"
        return
    assert number not in EXPECTED and number not in WRONG_IN_THE_WILD_USAGE, f"line {number} passed"
    assert options.cmdline == "atc " + " ".join(argv)
    assert all(flag != "--soc_version" or value for flag, value in options.ignored)
