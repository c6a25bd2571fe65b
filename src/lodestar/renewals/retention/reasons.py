"""Where the reasons for a renewal's outcome are read: the one place to switch when renewal records
carry their own (several reasons per renewal, from the taxonomy of the `renewals` kind)."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from lodestar.renewals.retention.contract_arrays import ContractArrays


def reasons_by_contract(
    session: Session, contracts: ContractArrays, positions: np.ndarray
) -> dict[int, list[str]]:
    """The reason keys recorded for these contracts' outcomes, by contract id (empty when none).

    Today the source is the contract's own churn_reason; `session` is there for the renewal records."""
    del session  # read once renewal records exist
    return {
        int(contracts.contract_id[i]): [r] if (r := contracts.churn_reason[i]) else []
        for i in positions.tolist()
    }
