"""Customer contacts: the people at a customer (biomedical engineer, purchase officer, ...)."""
