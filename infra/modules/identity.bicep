// Stands in for br/public:avm/res/managed-identity/user-assigned-identity:0.4.1 (same parameter names).
// One user-assigned identity for the app: it outlives the site, so its role grants exist before the first deploy.

@description('Name of the user-assigned identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
