import sys

from ingestion.publish.report.build import main

sys.exit(main())
