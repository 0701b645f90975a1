"""`fastw2v download`: fetch a public corpus or test set, checked against its published checksum."""

import argparse
import sys

from fastw2v.cli.options import positive_float


COMMANDS = {"download": "fetch text8, SST or a test set, with checksum verification"}


def register(commands, name):
    """Add the sub-parser of `name`, one of COMMANDS, to `commands`."""
    _add_download(commands)


DOWNLOAD_EXAMPLES = """examples:
  fastw2v download text8 data          # data/text8 (100 MB of Wikipedia text)
  fastw2v download sst data            # data/stanfordSentimentTreebank/datasetSentences.txt
  fastw2v download questions-words data && fastw2v download wordsim353 data
  FASTW2V_DOWNLOAD_MIRROR=https://example.org/corpora fastw2v download text8 data
  fastw2v download text8 data --url file:///media/usb/text8.zip   # a copy you already have

The size and checksum are checked whatever the URL; a run with the data already in DIR and
verified downloads nothing.
"""


def _add_download(commands):
    from fastw2v.download import DATASETS, DEFAULT_TIMEOUT, MIRROR_ENV_VAR

    names = "\n".join(f"  {name:16s}{dataset.description}" for name, dataset in DATASETS.items())
    sub = commands.add_parser(
        "download", help=COMMANDS["download"],
        description="Download DATASET into DIR from its public home (or a mirror), check its size\n"
                    "and published checksum, and unpack it atomically: a failure leaves no partial\n"
                    "file and keeps what was there. Archives are deleted once unpacked unless\n"
                    "--keep-archive.\n\ndatasets:\n" + names,
        epilog=DOWNLOAD_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("dataset", metavar="DATASET", choices=sorted(DATASETS),
                     help="one of: " + ", ".join(sorted(DATASETS)))
    sub.add_argument("directory", metavar="DIR", help="destination folder (created when missing)")
    sub.add_argument("--url", help=f"fetch from this URL instead (default: ${MIRROR_ENV_VAR}/<file "
                                   "name> when set, else the dataset's public URL)")
    sub.add_argument("--force", action="store_true",
                     help="download and replace even when DIR already holds the dataset")
    sub.add_argument("--keep-archive", action="store_true",
                     help="keep the verified zip in DIR (later runs reuse it)")
    sub.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                     help="give up when the server is silent this long (default %(default)s)")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or status lines")
    sub.set_defaults(handler=_run_download)


def _run_download(args):
    from fastw2v.download import download

    def say(line):
        print(f"fastw2v: {line}", file=sys.stderr)

    fetched = download(args.dataset, args.directory, url=args.url, force=args.force,
                       keep_archive=args.keep_archive, timeout=args.timeout,
                       progress=False if args.quiet else None, say=None if args.quiet else say)
    print(fetched.path)
    return 0
