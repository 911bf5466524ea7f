// Stands in for br/public:avm/res/insights/component:0.6.0.
// Local (instrumentation-key) ingestion is off: the app sends telemetry with its managed identity,
// which needs Monitoring Metrics Publisher (granted in rbac.bicep).

@description('Application Insights name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the component.')
param tags object = {}

@description('Resource id of the Log Analytics workspace that stores the telemetry.')
param workspaceResourceId string

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    DisableLocalAuth: true
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

output resourceId string = component.id
output name string = component.name
// The connection string names the component; with local auth disabled it grants nothing on its own.
output connectionString string = component.properties.ConnectionString
