// BugsAPI: types and a client generated from the bugs service's openapi.json by the OpenAPIGenerator plugin.
