// Stands in for br/public:avm/res/key-vault/vault:0.13.3 (secrets passed in, RBAC authorization).
// Access is granted by Azure roles only (no access policies); the app reads through Key Vault references.

@description('Key Vault name: 3-24 letters, digits and hyphens.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object = {}

@description('Every secret name the app may reference; a secret is created only when its value is not empty.')
param secretNames string[]

@description('Secret values keyed by secret name. Never logged, never an output.')
@secure()
param secretValues object

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // Seven days, the minimum, so `azd down --purge` and a redeploy under the same name are not blocked for long.
    // Purge protection stays off for the same reason; turn it on for a shop that cannot afford a lost secret.
    softDeleteRetentionInDays: 7
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [
  for secretName in secretNames: if (!empty(secretValues[?secretName] ?? '')) {
    parent: vault
    name: secretName
    properties: {
      value: secretValues[secretName]
      contentType: 'text/plain'
      attributes: {
        enabled: true
      }
    }
  }
]

output resourceId string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
