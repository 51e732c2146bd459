"""Sends every query to the database the differential test is running on."""


class Router:
    alias = "sqlite"

    def db_for_read(self, model, **hints):
        return Router.alias

    def db_for_write(self, model, **hints):
        return Router.alias

    def allow_relation(self, obj1, obj2, **hints):
        return True
