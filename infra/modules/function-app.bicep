// Stands in for br/public:avm/res/web/site:0.15.1 (kind functionapp,linux on Flex Consumption).
// Settings arrive in two groups: plain values, and secret settings that become Key Vault references here,
// so no secret value ever passes through this module.

@description('Function app name; also the first label of its default host name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the site; must include azd-service-name so `azd deploy` finds it.')
param tags object

@description('Resource id of the Flex Consumption (FC1) plan.')
param serverFarmResourceId string

@description('The user-assigned identities the site runs as (AVM shape).')
param managedIdentities { userAssignedResourceIds: string[] }

@description('The identity that resolves Key Vault references; it needs Key Vault Secrets User on the vault.')
param keyVaultAccessIdentityResourceId string

@description('Blob container URL that holds the deployment package (Flex Consumption deploys from it).')
param deploymentStorageContainerUrl string

@description('The identity the platform uses to read the deployment package.')
param deploymentStorageIdentityResourceId string

@description('Worker runtime.')
param runtimeName string = 'dotnet-isolated'

@description('Worker runtime version.')
param runtimeVersion string = '10.0'

@description('Memory of each instance in MB; execution time is billed per GB of it.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on instances: caps the bill if something floods the webhooks.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Plain (non-secret) app settings.')
param appSettingsKeyValuePairs object

@description('Name of the Key Vault that holds the secrets.')
param keyVaultName string

@description('App setting name to Key Vault secret name, for every secret the app reads.')
param keyVaultReferencedSettings object

@description('Public base URL of the app (a custom domain); empty means https://<default host name>.')
param publicBaseUrl string = ''

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: toObject(managedIdentities.userAssignedResourceIds, id => id, id => {})
  }
  properties: {
    serverFarmId: serverFarmResourceId
    httpsOnly: true
    // Without this the platform resolves @Microsoft.KeyVault(...) with a system-assigned identity the site does not have.
    keyVaultReferenceIdentity: keyVaultAccessIdentityResourceId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentStorageContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: deploymentStorageIdentityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
  }
}

// Deployments authenticate with Entra ID (azd does); publishing passwords are switched off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

var keyVaultReferences = toObject(
  items(keyVaultReferencedSettings),
  setting => setting.key,
  setting => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${setting.value})'
)

// Links in mails point here, so it must be the address buyers can reach.
var linkSettings = {
  Links__BaseUrl: empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}' : publicBaseUrl
}

// The whole collection is written at once: a setting missing here is removed from the app on the next deploy.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettingsKeyValuePairs, linkSettings, keyVaultReferences)
}

output resourceId string = site.id
output name string = site.name
output defaultHostname string = site.properties.defaultHostName
