"""Option tables and parsers for the files ATC options point to (--keep_dtype, --op_name_map,
--customize_dtypes, --insert_op_conf AIPP, --modify_mixlist)."""
from .aipp import parse_aipp_config
from .customize_dtypes import parse_customize_dtypes
from .keep_dtype import parse_keep_dtype
from .mixlist import parse_mixlist
from .op_name_map import parse_op_name_map

__all__ = ["parse_aipp_config", "parse_customize_dtypes", "parse_keep_dtype", "parse_mixlist", "parse_op_name_map"]
