// Stands in for br/public:avm/res/operational-insights/workspace:0.11.1.

@description('Workspace name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the workspace.')
param tags object = {}

@description('Days of retention; 30 is included in the ingestion price.')
@minValue(30)
@maxValue(730)
param dataRetention int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: dataRetention
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

output resourceId string = workspace.id
output name string = workspace.name
