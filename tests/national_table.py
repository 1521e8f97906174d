"""The national SPBE series as printed in Laporan Pelaksanaan Evaluasi SPBE 2024, Tabel 4, typed by hand from the
report (not read from the build), so that impact tests check the functions against the printed table itself.
Each year in its own framework's codes: 2018-2020 D3 = Layanan (5/2018), 2021- D4 = Layanan (59/2020)."""
import numpy as np
import pandas as pd

NATIONAL = pd.DataFrame({
    "year": [2018, 2019, 2020, 2021, 2022, 2023, 2024],
    "index": [1.98, 2.18, 2.26, 2.24, 2.34, 2.79, 3.12],
    "D1": [1.75, 1.95, 2.07, 2.21, 2.39, 2.94, 3.36],
    "D2": [1.74, 1.86, 1.95, 1.89, 1.85, 2.29, 2.62],
    "D3": [2.17, 2.40, 2.48, 1.23, 1.32, 1.66, 1.86],
    "D4": [np.nan, np.nan, np.nan, 2.81, 2.96, 3.47, 3.78],
})
