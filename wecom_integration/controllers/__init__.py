from . import rest_shim
from . import api
from . import callback
from . import login
