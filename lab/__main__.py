import sys

from lab.cli import main
from lab.interrupts import terminate_like_ctrl_c

terminate_like_ctrl_c()
sys.exit(main())
