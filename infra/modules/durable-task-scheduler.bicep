// No AVM resource module for Microsoft.DurableTask is pinned here; this follows the shape of the others.
// API 2025-11-01: the GA version the offline Bicep 0.49.2 type index knows (no BCP081).
// Only deployed when main.bicep's durableBackend is 'DurableTaskScheduler'.

@description('Scheduler name: 3-64 letters, digits and hyphens.')
param name string

@description('Azure region.')
param location string

@description('Tags for the scheduler.')
param tags object = {}

@description('Task hub name (the app setting TASKHUB_NAME).')
param taskHubName string

@description('Consumption bills per action; Dedicated reserves capacity units.')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string = 'Consumption'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
    }
    // An empty list denies every caller. Access is still gated by Entra ID roles (Durable Task Data Contributor).
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output resourceId string = scheduler.id
output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
