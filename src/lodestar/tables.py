"""Every table of every domain, for Alembic and the tests: importing this fills `metadata`.

A composer on top of the layers: db/ sits below the domains and must not import them.
"""

from lodestar.accounts import models as _accounts  # noqa: F401
from lodestar.alerts import models as _alerts  # noqa: F401
from lodestar.auth import models as _auth  # noqa: F401
from lodestar.config import models as _config  # noqa: F401
from lodestar.contracts import models as _contracts  # noqa: F401
from lodestar.db import generations as _generations  # noqa: F401
from lodestar.db.base import Base
from lodestar.engagement import models as _engagement  # noqa: F401
from lodestar.events import models as _events  # noqa: F401
from lodestar.feature_requests import models as _feature_requests  # noqa: F401
from lodestar.health import models as _health  # noqa: F401
from lodestar.imports import models as _imports  # noqa: F401
from lodestar.lifecycle import models as _lifecycle  # noqa: F401
from lodestar.notifications import models as _notifications  # noqa: F401
from lodestar.predictions import models as _predictions  # noqa: F401
from lodestar.referrals import models as _referrals  # noqa: F401
from lodestar.renewals.records import models as _renewal_records  # noqa: F401
from lodestar.renewals.winback import models as _winback  # noqa: F401
from lodestar.snapshots import models as _snapshots  # noqa: F401
from lodestar.sop.tasks import models as _sop  # noqa: F401
from lodestar.success_plans import models as _success_plans  # noqa: F401
from lodestar.value_reports import models as _value_reports  # noqa: F401

metadata = Base.metadata
