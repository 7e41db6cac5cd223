// UsersAPI: types and a client generated from the users service's openapi.json by the OpenAPIGenerator plugin.
