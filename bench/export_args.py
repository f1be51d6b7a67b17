"""The command line the bench/export_*.py scripts share: an output directory (and, for some, more arguments
added by the caller). Imported by the scripts, which run as `python bench/export_X.py OUT_DIR`."""
import argparse


def out_dir_parser(doc):
    """A parser whose --help prints the script's docstring `doc`, with the positional OUT_DIR."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", help="directory the .onnx files are written to (created if missing)")
    return parser
