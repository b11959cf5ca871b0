"""Plain domain data: instance, nomenclature, scenario, travel, workload, status."""
