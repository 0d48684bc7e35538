"""access_analyzer."""
