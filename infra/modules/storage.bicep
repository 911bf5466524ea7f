// Stands in for br/public:avm/res/storage/storage-account:0.8.3 (same parameter names where they overlap).
// One account for the Functions host, the Durable task hub (Azure Storage backend) and the CRM tables.
// Durable on Azure Storage needs blob (leases, large messages), queue (control and work-item queues)
// and table (history, instances) endpoints, so none of them is switched off here.

@description('Storage account name: 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the account.')
param tags object = {}

@description('Replication. LRS is enough for a task hub and a CRM that can be rebuilt from the payment provider.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Blob containers to create (the Flex Consumption deployment package lives in one).')
param blobContainers string[] = []

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    // Identities only: no account keys, no SAS signed with them, no connection strings.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    accessTier: 'Hot'
    // Flex Consumption without a virtual network reaches the account over its public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for container in blobContainers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

output resourceId string = account.id
output name string = account.name
output primaryBlobEndpoint string = account.properties.primaryEndpoints.blob
output primaryQueueEndpoint string = account.properties.primaryEndpoints.queue
output primaryTableEndpoint string = account.properties.primaryEndpoints.table
