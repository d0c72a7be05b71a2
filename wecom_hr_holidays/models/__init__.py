from . import hr_holidays
