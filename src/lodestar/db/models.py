"""Imports every domain's tables so the metadata (and Alembic) sees them all."""

from lodestar.accounts import models as _accounts  # noqa: F401
from lodestar.auth import models as _auth  # noqa: F401
from lodestar.config import models as _config  # noqa: F401
from lodestar.contracts import models as _contracts  # noqa: F401
from lodestar.db.base import Base
from lodestar.engagement import models as _engagement  # noqa: F401
from lodestar.events import models as _events  # noqa: F401
from lodestar.imports import models as _imports  # noqa: F401
from lodestar.snapshots import models as _snapshots  # noqa: F401
from lodestar.sop.tasks import models as _sop  # noqa: F401

metadata = Base.metadata
