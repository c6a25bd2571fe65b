"""Bulk imports: CSV, XLSX and Parquet files mapped onto accounts, contracts, events and the rest."""
